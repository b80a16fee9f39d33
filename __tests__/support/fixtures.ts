/**
 * Documents several test files need, written once. Each is a copy of something AWS publishes, so
 * its source is named; __tests__/lint/copies-agree.test.ts checks the emulator's scenarios use the
 * same text.
 */

/** A policy document as the tests build it before `JSON.stringify`. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
}

/**
 * Control Tower's AWS-GR_RESTRICT_ROOT_USER ("Disallow actions as a root user") as the control
 * renders it: without `ExemptAssumeRoot` it denies every action of a root session, with it the
 * `Null aws:AssumedRoot` condition lets root sessions through (docs/aws-behaviour.md#control-tower-restrict-root).
 */
export function controlTowerRestrictRoot(options: { readonly exemptAssumeRoot: boolean }): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'GRRESTRICTROOTUSER',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          ArnLike: { 'aws:PrincipalArn': ['arn:*:iam::*:root'] },
          ...(options.exemptAssumeRoot ? { Null: { 'aws:AssumedRoot': 'true' } } : {}),
        },
      },
    ],
  };
}
