/**
 * Resource-based policies (bucket and queue policies): statements apply only to the principals
 * their `Principal`/`NotPrincipal` element names, then evaluate like identity policies.
 */
import type { PolicyStatement } from '../model/state';
import { parsePolicy, statementApplies, statementsOf, type EvaluationRequest } from './evaluate';

export interface ResourcePolicyCaller {
  /** `arn:aws:iam::<acct>:root` for root principals, the user or role ARN otherwise. */
  arn: string;
  accountId: string;
}

type PrincipalElement = '*' | { AWS?: string | string[]; Service?: string | string[] } | undefined;

/** `Deny` if a statement naming the caller denies, `Allow` if one allows, else `None`; malformed policies are `None`. */
export function resourcePolicyEffect(
  content: string | undefined,
  request: EvaluationRequest,
  caller: ResourcePolicyCaller,
): 'Allow' | 'Deny' | 'None' {
  if (content === undefined || content === '') return 'None';
  let statements: PolicyStatement[];
  try {
    statements = statementsOf(parsePolicy(content));
  } catch {
    return 'None';
  }
  let allowed = false;
  for (const statement of statements) {
    const element = statement as PolicyStatement & {
      Principal?: PrincipalElement;
      NotPrincipal?: PrincipalElement;
    };
    const named =
      element.Principal !== undefined
        ? principalMatches(element.Principal, caller)
        : element.NotPrincipal !== undefined
          ? !principalMatches(element.NotPrincipal, caller)
          : false;
    if (!named || !statementApplies(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'None';
}

/**
 * `"*"` and `{"AWS": "*"}` name everyone; an account id or `arn:aws:iam::<acct>:root` names every
 * principal of that account; any other ARN names exactly that principal.
 */
export function principalMatches(element: PrincipalElement, caller: ResourcePolicyCaller): boolean {
  if (element === '*') return true;
  if (element === undefined || typeof element !== 'object') return false;
  const aws = element.AWS === undefined ? [] : Array.isArray(element.AWS) ? element.AWS : [element.AWS];
  return aws.some(
    (entry) =>
      entry === '*' ||
      entry === caller.accountId ||
      entry === `arn:aws:iam::${caller.accountId}:root` ||
      entry === caller.arn,
  );
}
