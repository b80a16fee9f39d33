/**
 * `--output html`: the run as one self-contained page for a security team to hand to an auditor.
 * Everything is inline (styles only, no script, no font, no image, no link to fetch), and a
 * Content-Security-Policy of `default-src 'none'` makes a browser refuse any request the page might
 * make, so it opens the same offline, from a ticket attachment or a mail. Every value from AWS or the
 * command line is escaped; the report holds counts and ids, never a secret.
 */
import { ACCOUNT_STATUSES, type AccountReport, type AccountStatus, type RunReport } from '../engine/types';
import {
  accountNotes,
  actionsLine,
  credentialsLine,
  describeAction,
  describeCredentials,
  summaryLine,
} from './run-table';

/** What the page says about the run beyond the report itself. */
export interface HtmlContext {
  /** The command line, as typed (arguments quoted), e.g. `root-access audit --all --output html`. */
  readonly command?: string;
  /** Targets, exclusions and windows in words, one line each. */
  readonly scope?: readonly string[];
  readonly version?: string;
  readonly organizationId?: string;
}

const COLOURS: Record<AccountStatus, string> = {
  compliant: '#1a7f37',
  remediated: '#0969da',
  'non-compliant': '#bf8700',
  excluded: '#6e7781',
  'break-glass': '#8250df',
  skipped: '#6e7781',
  failed: '#cf222e',
  deferred: '#bc4c00',
};

// Worst first: an OU takes the colour of its worst account, so a red branch leads to the failure.
const SEVERITY: readonly AccountStatus[] = [
  'failed',
  'deferred',
  'non-compliant',
  'break-glass',
  'remediated',
  'compliant',
  'excluded',
  'skipped',
];

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2328;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code,.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
.meta{color:#59636e;margin:.1rem 0}.chips{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0}
.chip{border-radius:1rem;padding:.15rem .7rem;color:#fff;font-weight:600}
.badge{display:inline-block;border-radius:.3rem;padding:0 .4rem;color:#fff;font-size:.85em;font-weight:600}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.2rem}ul.tree{padding-left:0}
.ou>summary{font-weight:600;cursor:pointer;padding:.15rem 0}.ou>summary .count{font-weight:400;color:#59636e}
.account{border-left:4px solid;padding:.1rem .5rem;margin:.15rem 0}.account summary{cursor:pointer}
.account .body{padding:.2rem 0 .4rem 1rem;color:#1f2328}.account .body p{margin:.2rem 0}
.why{white-space:pre-wrap}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.partial{color:#bc4c00;font-weight:600}
`;

export function htmlReport(report: RunReport, context: HtmlContext): string {
  const title = `Root credentials ${report.mode === 'audit' ? 'audit' : report.dryRun ? 'enforcement plan (dry run)' : 'enforcement'}`;
  const started = Date.parse(report.startedAt);
  const finished = Date.parse(report.finishedAt);
  const seconds =
    Number.isFinite(started) && Number.isFinite(finished) ? (finished - started) / 1000 : undefined;
  const parts = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    // No request of any kind: styles are inline, and nothing else is allowed to load.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="meta">Run from ${escapeHtml(report.startedAt)} to ${escapeHtml(report.finishedAt)}${seconds !== undefined ? ` (${seconds.toFixed(1)} s)` : ''}${context.organizationId ? `, organization <span class="id">${escapeHtml(context.organizationId)}</span>` : ''}${context.version ? `, root-access ${escapeHtml(context.version)}` : ''}</p>`,
    ...(context.command ? [`<p class="meta">Command: <code>${escapeHtml(context.command)}</code></p>`] : []),
    totals(report),
    scope(context),
    controls(report),
    failures(report.accounts),
    tree(report.accounts),
    warnings(report.warnings),
    '</body></html>',
  ];
  return `${parts.join('\n')}\n`;
}

function badge(status: AccountStatus): string {
  return `<span class="badge" style="background:${COLOURS[status]}">${escapeHtml(status)}</span>`;
}

function totals(report: RunReport): string {
  const chips = ACCOUNT_STATUSES.filter((status) => (report.summary[status] ?? 0) > 0)
    .map(
      (status) =>
        `<span class="chip" style="background:${COLOURS[status]}">${report.summary[status]} ${escapeHtml(status)}</span>`,
    )
    .join('');
  const actions = actionsLine(report.accounts);
  return [
    '<h2>Totals</h2>',
    `<p><strong>${escapeHtml(summaryLine(report))}</strong></p>`,
    `<div class="chips">${chips}</div>`,
    `<p>${escapeHtml(credentialsLine(report.accounts))}</p>`,
    ...(actions !== undefined ? [`<p>${escapeHtml(actions)}</p>`] : []),
  ].join('\n');
}

function scope(context: HtmlContext): string {
  if (context.scope === undefined || context.scope.length === 0) return '';
  return `<h2>Scope</h2><ul>${context.scope.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`;
}

interface ControlRow {
  readonly id: string;
  readonly title: string;
  readonly verdict: 'pass' | 'fail' | 'partial';
  readonly evidence: string;
}

/**
 * Which findings this run answers, per control. The run reads each audited account's root user
 * through a root session (GetAccountSummary, then the lists), so it answers "does the root user hold
 * an access key / a password / MFA" for every audited account, after any removal it made. It does
 * not read whether an MFA device is hardware or virtual, nor the organization's feature switches
 * (`root-access preflight` does), and says so rather than claim them.
 */
export function complianceControls(accounts: readonly AccountReport[]): ControlRow[] {
  const audited = accounts.filter((account) => account.credentials !== undefined);
  const after = audited.map((account) => ({ account, left: remaining(account) }));
  const withKeys = after.filter(({ left }) => left.accessKeys > 0);
  const withPassword = after.filter(({ left }) => left.password);
  const passwordNoMfa = withPassword.filter(({ left }) => left.mfaDevices === 0);
  const unread = accounts.filter((account) => account.status === 'failed' || account.status === 'deferred');
  const reachedBySessions = audited.length;
  const tail =
    unread.length > 0
      ? `; ${unread.length} account${unread.length === 1 ? '' : 's'} could not be read (failed or deferred) and are not answered`
      : '';
  const verdict = (failing: number): ControlRow['verdict'] =>
    failing > 0 ? 'fail' : unread.length > 0 ? 'partial' : 'pass';
  return [
    {
      id: 'CIS AWS Foundations 2.1.1',
      title: 'Centralized root access for member accounts',
      verdict: reachedBySessions === 0 ? 'partial' : verdict(withPassword.length + withKeys.length),
      evidence: `${reachedBySessions} member account${reachedBySessions === 1 ? ' was' : 's were'} read through sts:AssumeRoot root sessions from the management account, which needs RootSessions enabled; ${withPassword.length + withKeys.length} still hold${withPassword.length + withKeys.length === 1 ? 's' : ''} a root password or access key${tail}. The organization's RootCredentialsManagement switch itself is checked by root-access preflight.`,
    },
    {
      id: 'Security Hub IAM.4',
      title: 'IAM root user access key should not exist',
      verdict: verdict(withKeys.length),
      evidence: `${audited.length - withKeys.length} of ${audited.length} audited accounts have no root access key${withKeys.length > 0 ? `; root access keys remain in ${ids(withKeys.map(({ account }) => account))}` : ''}${tail}.`,
    },
    {
      id: 'Security Hub IAM.9',
      title: 'MFA should be enabled for the root user',
      verdict: verdict(passwordNoMfa.length),
      evidence: `${audited.length - withPassword.length} audited accounts have no root password, so no root sign-in exists to protect; ${withPassword.length - passwordNoMfa.length} have a password with an MFA device; ${passwordNoMfa.length} have a password without MFA${passwordNoMfa.length > 0 ? ` (${ids(passwordNoMfa.map(({ account }) => account))})` : ''}${tail}.`,
    },
    {
      id: 'Security Hub IAM.6',
      title: 'Hardware MFA should be enabled for the root user',
      verdict:
        withPassword.length === 0 && unread.length === 0
          ? 'pass'
          : withPassword.length === 0
            ? 'partial'
            : passwordNoMfa.length > 0
              ? 'fail'
              : 'partial',
      evidence: `Answered only where no root password remains (${audited.length - withPassword.length} accounts: no root sign-in); the run does not read whether an MFA device is hardware or virtual, so the ${withPassword.length} account${withPassword.length === 1 ? '' : 's'} that keep a password are not answered here${tail}.`,
    },
  ];
}

/** The credentials left after the run: none when it remediated the account, else what it found. */
function remaining(account: AccountReport): { password: boolean; accessKeys: number; mfaDevices: number } {
  const found = account.credentials ?? {
    password: false,
    accessKeys: 0,
    signingCertificates: 0,
    mfaDevices: 0,
  };
  if (account.status === 'remediated' && account.actions.every((action) => action.outcome !== 'planned')) {
    return { password: false, accessKeys: 0, mfaDevices: 0 };
  }
  return { password: found.password, accessKeys: found.accessKeys, mfaDevices: found.mfaDevices };
}

function ids(accounts: readonly AccountReport[]): string {
  const shown = accounts
    .slice(0, 10)
    .map((account) => account.accountId)
    .join(', ');
  return accounts.length > 10 ? `${shown} and ${accounts.length - 10} more` : shown;
}

function controls(report: RunReport): string {
  const rows = complianceControls(report.accounts)
    .map(
      (row) =>
        `<tr><td class="id">${escapeHtml(row.id)}</td><td>${escapeHtml(row.title)}</td><td class="${row.verdict}">${row.verdict === 'partial' ? 'partly answered' : row.verdict}</td><td>${escapeHtml(row.evidence)}</td></tr>`,
    )
    .join('\n');
  return [
    '<h2>Compliance controls this run evidences</h2>',
    '<table><thead><tr><th>Control</th><th>Title</th><th>Result</th><th>Evidence from this run</th></tr></thead>',
    `<tbody>${rows}</tbody></table>`,
  ].join('\n');
}

function failures(accounts: readonly AccountReport[]): string {
  const failed = accounts.filter((account) => account.status === 'failed' || account.status === 'deferred');
  if (failed.length === 0) return '<h2>Failures</h2><p>No account failed.</p>';
  // One diagnosis often explains a whole OU (an SCP): written once, with the accounts it applies to.
  const byCause = new Map<string, AccountReport[]>();
  for (const account of failed) {
    const cause = accountNotes(account).join('\n') || 'no diagnosis recorded';
    byCause.set(cause, [...(byCause.get(cause) ?? []), account]);
  }
  const rows = [...byCause.entries()]
    .map(
      ([cause, members]) =>
        `<tr><td>${members.map((account) => `<span class="id">${escapeHtml(account.accountId)}</span>${account.accountName ? ` (${escapeHtml(account.accountName)})` : ''}`).join('<br>')}</td><td>${badge(members[0]?.status ?? 'failed')}</td><td class="why">${escapeHtml(cause)}</td></tr>`,
    )
    .join('\n');
  return [
    `<h2>Failures (${failed.length})</h2>`,
    '<table><thead><tr><th>Accounts</th><th>Status</th><th>Diagnosis</th></tr></thead>',
    `<tbody>${rows}</tbody></table>`,
  ].join('\n');
}

interface Node {
  readonly id: string;
  readonly children: Map<string, Node>;
  readonly accounts: AccountReport[];
}

function tree(accounts: readonly AccountReport[]): string {
  const top: Node = { id: '', children: new Map(), accounts: [] };
  const unplaced: AccountReport[] = [];
  for (const account of accounts) {
    const path = account.organizationalUnitPath ?? [];
    if (path.length === 0) {
      unplaced.push(account);
      continue;
    }
    let node = top;
    for (const id of path) {
      let child = node.children.get(id);
      if (child === undefined) {
        child = { id, children: new Map(), accounts: [] };
        node.children.set(id, child);
      }
      node = child;
    }
    node.accounts.push(account);
  }
  const branches = [...top.children.values()].map(renderNode);
  if (unplaced.length > 0) {
    branches.push(
      renderNode({
        id: 'accounts targeted by id (their OU was not read)',
        children: new Map(),
        accounts: unplaced,
      }),
    );
  }
  return ['<h2>Organization</h2>', `<ul class="tree">${branches.join('\n')}</ul>`].join('\n');
}

function everyAccount(node: Node): AccountReport[] {
  return [...node.accounts, ...[...node.children.values()].flatMap(everyAccount)];
}

function renderNode(node: Node): string {
  const all = everyAccount(node);
  const worst = SEVERITY.find((status) => all.some((account) => account.status === status)) ?? 'compliant';
  const counts = ACCOUNT_STATUSES.filter((status) => all.some((account) => account.status === status))
    .map((status) => `${all.filter((account) => account.status === status).length} ${status}`)
    .join(', ');
  const label = node.id.startsWith('r-') ? `root ${node.id}` : node.id;
  return [
    `<li><details class="ou" open><summary style="color:${COLOURS[worst]}"><span class="id">${escapeHtml(label)}</span> <span class="count">(${all.length} account${all.length === 1 ? '' : 's'}: ${escapeHtml(counts)})</span></summary><ul>`,
    ...node.accounts.map(renderAccount),
    ...[...node.children.values()].map(renderNode),
    '</ul></details></li>',
  ].join('\n');
}

function renderAccount(account: AccountReport): string {
  const notes = accountNotes(account);
  const body = [
    `<p>Credentials found: ${escapeHtml(describeCredentials(account.credentials))}</p>`,
    account.actions.length > 0
      ? `<p>Actions:</p><ul>${account.actions.map((action) => `<li><code>${escapeHtml(describeAction(action))}</code></li>`).join('')}</ul>`
      : '<p>Actions: none</p>',
    ...notes.map((note) => `<p class="why">${escapeHtml(note)}</p>`),
  ].join('');
  // Open where a person must act; the rest stay one line each, so 300 accounts remain scannable.
  const open = ['failed', 'deferred', 'non-compliant'].includes(account.status) ? ' open' : '';
  return `<li class="account" data-account="${escapeHtml(account.accountId)}" style="border-color:${COLOURS[account.status]}"><details${open}><summary><span class="id">${escapeHtml(account.accountId)}</span>${account.accountName ? ` ${escapeHtml(account.accountName)}` : ''} ${badge(account.status)}</summary><div class="body">${body}</div></details></li>`;
}

function warnings(list: readonly string[]): string {
  if (list.length === 0) return '';
  return `<h2>Warnings</h2><ul>${list.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ul>`;
}

/** Preflight and root tasks as a page: one table and a verdict, same self-contained rules. */
export function htmlTablePage(
  title: string,
  head: readonly string[],
  rows: readonly (readonly string[])[],
  verdict: string,
): string {
  return `${[
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p><strong>${escapeHtml(verdict)}</strong></p>`,
    `<table><thead><tr>${head.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('')}</tr></thead><tbody>`,
    ...rows.map(
      (row) => `<tr>${row.map((cell) => `<td class="why">${escapeHtml(cell)}</td>`).join('')}</tr>`,
    ),
    '</tbody></table></body></html>',
  ].join('\n')}\n`;
}
