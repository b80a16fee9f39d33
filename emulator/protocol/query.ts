/**
 * The AWS query protocol that STS and IAM speak: form-encoded requests, XML responses.
 *
 * Responses are built from plain values so services never concatenate XML by hand: arrays
 * become `<member>` lists, `XmlMap` values become `<entry><key/><value/></entry>` maps, dates
 * become ISO-8601 without milliseconds (as AWS prints them).
 */
import { randomUUID } from 'node:crypto';

import type { RawResponse } from '../model/request';
import type { AwsError } from '../model/state';

export interface QueryApi {
  version: string;
  namespace: string;
}

export const STS_API: QueryApi = {
  version: '2011-06-15',
  namespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
};
export const IAM_API: QueryApi = {
  version: '2010-05-08',
  namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
};

/** A map shape (`SummaryMap`); wrapped so it is not mistaken for a structure. */
export class XmlMap {
  constructor(readonly entries: ReadonlyArray<readonly [string, XmlValue]>) {}
}

export type XmlValue =
  string | number | boolean | Date | undefined | XmlMap | XmlValue[] | { [member: string]: XmlValue };

/** Form parameters of a query request; the body wins over the URL query, as AWS reads both. */
export function parseQueryParams(body: string, query: URLSearchParams): Map<string, string> {
  const params = new Map<string, string>();
  for (const [key, value] of query) params.set(key, value);
  for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  return params;
}

/** Reads `Name.member.N` list parameters in index order. */
export function listParam(params: Map<string, string>, name: string): string[] {
  const items: Array<[number, string]> = [];
  const prefix = `${name}.member.`;
  for (const [key, value] of params) {
    if (key.startsWith(prefix)) items.push([Number(key.slice(prefix.length)), value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function renderValue(value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return isoSeconds(value);
  if (value instanceof XmlMap) {
    return value.entries
      .map(
        ([key, entry]) => `<entry><key>${escapeXml(key)}</key><value>${renderValue(entry)}</value></entry>`,
      )
      .join('');
  }
  if (Array.isArray(value)) return value.map((item) => `<member>${renderValue(item)}</member>`).join('');
  return renderMembers(value);
}

function renderMembers(structure: { [member: string]: XmlValue }): string {
  let out = '';
  for (const [name, member] of Object.entries(structure)) {
    // Absent optional members are omitted, not rendered empty: the SDK would read '' as a value.
    if (member === undefined) continue;
    out += `<${name}>${renderValue(member)}</${name}>`;
  }
  return out;
}

export function newRequestId(): string {
  return randomUUID();
}

/**
 * `<OpResponse><OpResult>…</OpResult><ResponseMetadata/></OpResponse>`; operations without an
 * output shape pass `undefined` and get no result wrapper.
 */
export function queryResponse(
  api: QueryApi,
  operation: string,
  result: { [member: string]: XmlValue } | undefined,
  requestId: string = newRequestId(),
): RawResponse {
  const resultXml =
    result === undefined ? '' : `<${operation}Result>${renderMembers(result)}</${operation}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<${operation}Response xmlns="${api.namespace}">${resultXml}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
  };
}

export function queryError(api: QueryApi, error: AwsError, requestId: string = newRequestId()): RawResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<ErrorResponse xmlns="${api.namespace}"><Error><Type>${error.fault}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
