/**
 * Joining and leaving the organization: InviteAccountToOrganization, AcceptHandshake,
 * DescribeHandshake, LeaveOrganization, RemoveAccountFromOrganization.
 *
 * Each change of membership records the event Organizations logs in the management account's
 * event history (Organizations API reference, AcceptHandshake and LeaveOrganization): when a
 * handshake is accepted, `AccountJoinedOrganization`, with the account's `joinedMethod`
 * (`INVITED`) and `joinedTime`; when an account leaves or is removed, `AccountDepartedOrganization`.
 * Inferred [I], since AWS documents the fields but not the envelope: both are CloudTrail service
 * events (`eventType: AwsServiceEvent`, detail-type "AWS Service Event via CloudTrail") whose
 * `serviceEventDetails` carry `accountId` (the member's id) beside `joinedMethod`/`joinedTime`
 * (or `departedTime`); `recipientAccountId` is the management account. See
 * docs/aws-behaviour.md#account-joined-organization.
 */
import { randomBytes } from 'node:crypto';

import type { EmulatorState } from '../../model/state';
import { AwsError } from '../../model/state';
import { FULL_AWS_ACCESS_ID } from '../../policy/root-task-policies';
import { ACCOUNT_ID, type Call, type Input, type Operation, constraint, organizationArn } from './common';

interface Handshake {
  id: string;
  accountId: string;
  state: 'OPEN' | 'ACCEPTED' | 'CANCELED';
  requested: Date;
}

const handshakes = new WeakMap<EmulatorState, Map<string, Handshake>>();

function handshakesOf(state: EmulatorState): Map<string, Handshake> {
  let map = handshakes.get(state);
  if (map === undefined) handshakes.set(state, (map = new Map<string, Handshake>()));
  return map;
}

function handshakeShape(state: EmulatorState, handshake: Handshake): Record<string, unknown> {
  const org = state.organization;
  return {
    Id: handshake.id,
    Arn: `arn:aws:organizations::${org.managementAccountId}:handshake/${org.id}/invite/${handshake.id}`,
    Parties: [
      { Id: org.id.slice(2), Type: 'ORGANIZATION' },
      { Id: handshake.accountId, Type: 'ACCOUNT' },
    ],
    State: handshake.state,
    RequestedTimestamp: handshake.requested.getTime() / 1000,
    ExpirationTimestamp: handshake.requested.getTime() / 1000 + 15 * 86_400,
    Action: 'INVITE',
    Resources: [{ Value: org.id, Type: 'ORGANIZATION', Resources: [] }],
  };
}

function findHandshake(state: EmulatorState, input: Input): Handshake {
  const id = input.string('HandshakeId', /^h-[0-9a-z]{8,32}$/);
  const handshake = handshakesOf(state).get(id);
  if (handshake === undefined) {
    throw new AwsError(
      'HandshakeNotFoundException',
      "We can't find a handshake with the HandshakeId that you specified.",
      404,
    );
  }
  return handshake;
}

function depart(call: Call, accountId: string): void {
  const { state, now } = call;
  state.accounts.delete(accountId);
  for (const policy of state.policies.values()) policy.targets.delete(accountId);
  state.organization.delegatedAdministrators = state.organization.delegatedAdministrators.filter(
    (d) => d.accountId !== accountId,
  );
  call.ctx.publish?.({
    eventName: 'AccountDepartedOrganization',
    eventType: 'AwsServiceEvent',
    serviceEventDetails: {
      accountId,
      organizationArn: organizationArn(state),
      departedTime: now.toISOString(),
    },
  });
}

export const MEMBERSHIP_OPERATIONS: Record<string, Operation> = {
  InviteAccountToOrganization: {
    rule: 'management',
    mutating: true,
    run: (input, { state, now }) => {
      const target = input.record('Target');
      const id = typeof target['Id'] === 'string' ? target['Id'] : '';
      if (target['Type'] !== 'ACCOUNT' || !ACCOUNT_ID.test(id)) {
        throw new AwsError(
          'InvalidInputException',
          'The emulator invites accounts by 12-digit account id.',
          400,
          {
            Reason: 'INVALID_PARTY_TYPE_TARGET',
          },
        );
      }
      if (state.accounts.has(id)) {
        throw new AwsError(
          'DuplicateAccountException',
          'That account is already present in the specified destination.',
          409,
        );
      }
      const handshake: Handshake = {
        id: `h-${randomBytes(5).toString('hex')}`,
        accountId: id,
        state: 'OPEN',
        requested: now,
      };
      handshakesOf(state).set(handshake.id, handshake);
      return { Handshake: handshakeShape(state, handshake) };
    },
  },
  DescribeHandshake: {
    rule: 'any-account',
    mutating: false,
    run: (input, { state }) => ({ Handshake: handshakeShape(state, findHandshake(state, input)) }),
  },
  AcceptHandshake: {
    rule: 'any-account',
    mutating: true,
    run: (input, call) => {
      const { state, ctx, now } = call;
      const handshake = findHandshake(state, input);
      if (ctx.principal.accountId !== handshake.accountId) {
        throw new AwsError(
          'AccessDeniedException',
          'Only the invited account can accept this handshake.',
          403,
        );
      }
      if (handshake.state !== 'OPEN') {
        throw new AwsError(
          'InvalidHandshakeTransitionException',
          `The handshake is ${handshake.state}.`,
          400,
        );
      }
      handshake.state = 'ACCEPTED';
      state.accounts.set(handshake.accountId, {
        id: handshake.accountId,
        name: `account-${handshake.accountId}`,
        email: `aws+${handshake.accountId}@example.com`,
        state: 'ACTIVE',
        parentId: state.organization.rootId,
        joinedMethod: 'INVITED',
        joinedTimestamp: now,
        // A standalone account is signed up for with its root user's email and password, so an
        // invited account arrives with a root password (the long-term credential to remove).
        root: {
          loginProfile: { createDate: now, passwordResetRequired: false },
          accessKeys: [],
          signingCertificates: [],
          mfaDevices: [],
          unassignedVirtualMfaDevices: [],
        },
        buckets: [],
        queues: [],
      });
      // A joining account gets FullAWSAccess, as every root, OU and account has while SCPs are on.
      state.policies.get(FULL_AWS_ACCESS_ID)?.targets.add(handshake.accountId);
      ctx.publish?.({
        eventName: 'AccountJoinedOrganization',
        eventType: 'AwsServiceEvent',
        serviceEventDetails: {
          accountId: handshake.accountId,
          joinedMethod: 'INVITED',
          joinedTime: now.toISOString(),
          organizationArn: organizationArn(state),
        },
      });
      return { Handshake: handshakeShape(state, handshake) };
    },
  },
  LeaveOrganization: {
    rule: 'any-member',
    mutating: true,
    run: (_input, call) => {
      const accountId = call.ctx.principal.accountId;
      if (accountId === call.state.organization.managementAccountId) {
        throw constraint('ACCOUNT_CANNOT_LEAVE_ORGANIZATION', 'You cannot remove the management account.');
      }
      depart(call, accountId);
      return {};
    },
  },
  RemoveAccountFromOrganization: {
    rule: 'management',
    mutating: true,
    run: (input, call) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      if (!call.state.accounts.has(accountId)) {
        throw new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.", 404);
      }
      if (accountId === call.state.organization.managementAccountId) {
        throw constraint('ACCOUNT_CANNOT_LEAVE_ORGANIZATION', 'You cannot remove the management account.');
      }
      depart(call, accountId);
      return {};
    },
  },
};
