/**
 * Converts the pinned @pydantic/genai-prices data into the ledger's entry format (libs/pricing/src/genai-prices.json).
 * Run after changing the pinned version: `npx ts-node libs/pricing/scripts/import-genai-prices.ts`.
 * A test (genai-prices.spec.ts) checks the committed file equals this conversion of the installed package.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertGenaiPrices } from '../src/genai-prices.convert';

const out = join(__dirname, '..', 'src', 'genai-prices.json');
const data = convertGenaiPrices();
writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
process.stdout.write(
  `wrote ${data.entries.length} entries from @pydantic/genai-prices@${data.version}; skipped ${data.skipped.length} models\n`,
);
