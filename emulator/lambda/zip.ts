/**
 * Reads a deployment package (.zip) with node:zlib only: the central directory gives each
 * entry's name, method and sizes, so local headers with data descriptors (what archivers that
 * stream write) need no special case. Stored and deflated entries are supported, which is what
 * Terraform's `archive_file`, cdktf's TerraformAsset and `zip` produce; ZIP64 and encryption
 * are refused with a message rather than misread.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

export function readZip(zip: Buffer): ZipEntry[] {
  const end = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new ZipFormatError('ZIP64 archives are not supported');
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > zip.length || zip.readUInt32LE(offset) !== CENTRAL_HEADER) {
      throw new ZipFormatError(`central directory entry ${i} is corrupt`);
    }
    const flags = zip.readUInt16LE(offset + 8);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if ((flags & 0x1) !== 0) throw new ZipFormatError(`${name} is encrypted`);
    if (name.endsWith('/')) continue;
    if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL_HEADER) {
      throw new ZipFormatError(`local header of ${name} is corrupt`);
    }
    const dataStart =
      localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else
      throw new ZipFormatError(
        `${name} uses compression method ${method}; only stored and deflate are supported`,
      );
    if (data.length !== size)
      throw new ZipFormatError(`${name} inflated to ${data.length} bytes, expected ${size}`);
    entries.push({ name, data });
  }
  return entries;
}

/** Writes every entry under `directory`, refusing names that would escape it. */
export function extractZip(zip: Buffer, directory: string): string[] {
  const root = path.resolve(directory);
  const written: string[] = [];
  for (const entry of readZip(zip)) {
    const target = path.resolve(root, entry.name);
    if (target !== root && !target.startsWith(root + path.sep)) {
      throw new ZipFormatError(`${entry.name} points outside the package`);
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
    written.push(entry.name);
  }
  return written;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let offset = zip.length - 22; offset >= lowest; offset--) {
    if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) return offset;
  }
  throw new ZipFormatError('not a zip archive (no end of central directory record)');
}
