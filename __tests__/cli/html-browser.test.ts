/**
 * `root-access audit --all --output html` on a generated 300-account organization (the emulator's
 * scenario generator), opened in headless Chromium as an auditor would open the attachment: the
 * page names every account, shows each account's status and credentials where the scenario says,
 * places it under its OU, and asks for nothing beyond itself (every other request is blocked and
 * recorded, with the page's CSP bypassed so an attempt cannot hide behind it). A screenshot goes to
 * a temp dir, its path printed.
 *
 * Chromium is found on PATH (or CHROMIUM_PATH); `npm test`'s pretest installs Debian's chromium on
 * a CI machine that lacks it. Without one the suite skips loudly, and under CI=true it fails.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { generateScenario } from '../../emulator/scenario/generate';
import { findChromium, INSTALL_HINT, isCi } from '../../scripts/ensure-chromium';
import { runTool } from './helpers';

const CHROMIUM = findChromium();

interface ScenarioAccount {
  id: string;
  name: string;
  parentId: string;
  status?: string;
  root?: { password?: boolean; accessKeys?: number; signingCertificates?: number; mfaDevices?: unknown[] };
}

const SCENARIO = generateScenario({
  accounts: 300,
  seed: 7,
  nonCompliantShare: 0.3,
  suspendedShare: 0.02,
}) as {
  accounts: ScenarioAccount[];
  organization: { managementAccountId: string };
};

/** The one browser global used here; the project compiles without the DOM library. */
interface BrowserWindow {
  getComputedStyle(element: unknown): { borderLeftColor: string };
}

function browserSuite(): jest.Describe {
  if (CHROMIUM !== undefined || isCi()) return describe;
  const banner = '!'.repeat(100);
  console.warn(
    `\n${banner}\n!! SKIPPING the HTML report's browser test: no Chromium; ${INSTALL_HINT}\n!! Under CI=true this test fails instead.\n${banner}\n`,
  );
  return describe.skip;
}

browserSuite()('--output html in headless Chromium (300 generated accounts, real audit)', () => {
  let emulator: RunningEmulator | undefined;
  let server: Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let pageUrl: string;
  let html: string;
  let exitCode: number;
  const requests: string[] = [];
  const blocked: string[] = [];

  beforeAll(async () => {
    if (CHROMIUM === undefined) {
      throw new Error(`no Chromium for the HTML report's browser test (CI=true): ${INSTALL_HINT}`);
    }
    emulator = await startEmulator({ scenario: SCENARIO });
    const result = await runTool(emulator, ['audit', '--all', '--output', 'html']);
    exitCode = result.code;
    html = result.stdout;

    server = createServer((request, response) => {
      response.writeHead(request.url === '/report.html' ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
      });
      response.end(request.url === '/report.html' ? html : '');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/report.html`;

    browser = await chromium.launch({ executablePath: CHROMIUM });
    // The CSP would refuse a request silently; bypassing it lets the route below see any attempt.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    await context.route('**/*', async (route) => {
      const url = route.request().url();
      if (url === pageUrl) {
        await route.continue();
      } else {
        blocked.push(url);
        await route.abort('blockedbyclient');
      }
    });
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pageUrl, { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await emulator?.stop();
  });

  it('audits all 300 members and exits 1 for the non-compliant ones', () => {
    expect(exitCode).toBe(1);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('requests nothing but the page itself, and declares a CSP that forbids any other load', async () => {
    expect(requests).toEqual([pageUrl]);
    expect(blocked).toEqual([]);
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(csp).toMatch(/^default-src 'none';/);
  });

  it('names every account of the scenario, each once, with its account name', async () => {
    const rendered = await page.$$eval('li.account', (items) =>
      items.map((item) => ({
        id: item.getAttribute('data-account'),
        summary: item.querySelector('summary')?.textContent ?? '',
      })),
    );
    const expected = [SCENARIO.organization.managementAccountId, ...SCENARIO.accounts.map((a) => a.id)];
    expect(rendered.map((item) => item.id).sort()).toEqual([...expected].sort());
    for (const account of SCENARIO.accounts) {
      const item = rendered.find((entry) => entry.id === account.id);
      expect(item?.summary).toContain(account.name);
    }
  });

  it('shows a non-compliant account open, with its status and the credentials the scenario gave it', async () => {
    const account = SCENARIO.accounts.find(
      (a) => a.status === undefined && a.root?.password === true && a.root.accessKeys === 2,
    );
    expect(account).toBeDefined();
    const item = page.locator(`li.account[data-account="${account?.id}"]`);

    // Open without a click: accounts needing attention are expanded for the reader.
    expect(await item.locator('details').getAttribute('open')).not.toBeNull();
    const text = await item.innerText();
    expect(text).toContain('non-compliant');
    expect(text).toContain('Credentials found: password, 2 access keys, 1 signing certificate');
    // Amber, the non-compliant colour, on the account's border (as the browser computed it).
    const border = await item.evaluate(
      (element) => (globalThis as unknown as BrowserWindow).getComputedStyle(element).borderLeftColor,
    );
    expect(border).toBe('rgb(191, 135, 0)');
  });

  it('shows a compliant account collapsed to one line, and its detail on a click', async () => {
    const account = SCENARIO.accounts.find((a) => a.status === undefined && a.root === undefined);
    const item = page.locator(`li.account[data-account="${account?.id}"]`);

    expect(await item.innerText()).toMatch(new RegExp(`^${account?.id} ${account?.name} compliant$`));
    await item.locator('summary').click();
    expect(await item.innerText()).toContain('Credentials found: none');
  });

  it('says a suspended account was skipped, and places accounts under the OU the scenario put them in', async () => {
    const suspended = SCENARIO.accounts.find((a) => a.status === 'SUSPENDED');
    expect(suspended).toBeDefined();
    const item = page.locator(`li.account[data-account="${suspended?.id}"]`);
    expect(await item.locator('summary').innerText()).toContain('skipped');

    for (const account of SCENARIO.accounts.slice(0, 20)) {
      const ou = await page
        .locator(`li.account[data-account="${account.id}"]`)
        .evaluate((element) => element.closest('details.ou')?.querySelector('summary .id')?.textContent);
      expect(ou).toBe(account.parentId.startsWith('r-') ? `root ${account.parentId}` : account.parentId);
    }
  });

  it('gives totals that match the scenario, and a screenshot of the page', async () => {
    const suspended = SCENARIO.accounts.filter((a) => a.status === 'SUSPENDED').length;
    const nonCompliant = SCENARIO.accounts.filter(
      (a) => a.status === undefined && a.root !== undefined,
    ).length;
    const totals = await page.locator('h2:text-is("Totals") + p').innerText();
    expect(totals).toBe(
      `301 accounts: ${300 - suspended - nonCompliant} compliant, ${nonCompliant} non-compliant, ${suspended + 1} skipped`,
    );

    const dir = mkdtempSync(join(tmpdir(), 'root-access-html-'));
    const screenshot = join(dir, 'report.png');
    writeFileSync(join(dir, 'report.html'), html);
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`HTML report screenshot: ${screenshot} (page: ${join(dir, 'report.html')})\n`);
  });
});
