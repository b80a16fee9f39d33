/**
 * `pretest`: makes sure the tools the test tiers need beyond npm are present, before jest starts.
 * Today that is Chromium for the HTML report's browser test (see ensure-chromium.ts); Terraform and
 * moto are the machine's, and their tiers say so themselves. Always exits 0: a missing tool is
 * reported here and then fails (under CI=true) or skips (locally) the one tier that needs it, so the
 * other tiers still run and report.
 *
 *   npx tsx scripts/ensure-tools.ts
 */
import { ensureChromium } from './ensure-chromium';

ensureChromium({ env: process.env, uid: process.getuid?.() });
