/**
 * What Organizations accepts as a service control policy (CreatePolicy/UpdatePolicy with
 * `Type: SERVICE_CONTROL_POLICY`), as AWS rejects it (see docs/aws-behaviour.md#scp-grammar and docs/aws-behaviour.md#scp-size):
 *
 * - not JSON, no Statement, a bad Effect, neither or both of Action/NotAction, both Resource
 *   and NotResource, or a condition operator outside the IAM grammar:
 *   `MalformedPolicyDocumentException`;
 * - a `Principal` or `NotPrincipal` element: SCPs apply to the principals of the accounts they
 *   are attached to and name none (IAM User Guide, NotPrincipal: "Service control policies
 *   (SCPs) and resource control policies (RCPs) do not support the NotPrincipal element"; the
 *   Organizations SCP syntax page lists Principal among the unsupported elements):
 *   `MalformedPolicyDocumentException`;
 * - an Allow statement with a Condition and no Resource [I]: the SCP syntax page requires the
 *   Resource element once Allow statements carry conditions:
 *   `MalformedPolicyDocumentException`;
 * - more than 5,120 characters (Organizations quotas, "Maximum size of a policy document: Service
 *   control policies: 5,120 characters"; every character counts, whitespace included):
 *   `ConstraintViolationException` with Reason `POLICY_CONTENT_LIMIT_EXCEEDED`.
 */
import { AwsError } from '../model/state';
import { checkPolicyDocument, PolicyParseError, statementsOf, unsupportedOperators } from './evaluate';

export const SCP_MAX_CHARACTERS = 5120;

export function checkScpContent(content: string): void {
  const malformed = (detail: string): AwsError =>
    new AwsError(
      'MalformedPolicyDocumentException',
      `The provided policy document doesn't meet the requirements of the specified policy type: ${detail}`,
      400,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw malformed(`policy is not valid JSON: ${(error as Error).message}`);
  }
  let document;
  try {
    document = checkPolicyDocument(parsed);
  } catch (error) {
    if (error instanceof PolicyParseError) throw malformed(error.message);
    throw error;
  }
  statementsOf(document).forEach((statement, index) => {
    const raw = statement as unknown as Record<string, unknown>;
    for (const element of ['Principal', 'NotPrincipal']) {
      if (raw[element] !== undefined) {
        throw malformed(
          `Statement[${index}] has a ${element} element, which service control policies do not support`,
        );
      }
    }
    if (
      statement.Effect === 'Allow' &&
      statement.Condition !== undefined &&
      statement.Resource === undefined &&
      statement.NotResource === undefined
    ) {
      throw malformed(`Statement[${index}] is an Allow with a Condition and no Resource; add "Resource"`);
    }
  });
  const unsupported = unsupportedOperators(document);
  if (unsupported.length > 0) {
    throw malformed(`unknown condition operators: ${unsupported.join(', ')}`);
  }
  if (content.length > SCP_MAX_CHARACTERS) {
    throw new AwsError(
      'ConstraintViolationException',
      `The policy document exceeds the maximum size of ${SCP_MAX_CHARACTERS} characters (it has ${content.length}).`,
      409,
      { Reason: 'POLICY_CONTENT_LIMIT_EXCEEDED' },
    );
  }
}
