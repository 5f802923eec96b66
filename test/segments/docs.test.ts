import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RFM_SEGMENTS, RFM_TIE_RULE, SMART_SEGMENTS } from '../../src/segments/index.js';

describe('docs/segments.md', () => {
  const page = readFileSync('docs/segments.md', 'utf8');
  it('shows every smart segment with its rule as the code defines it', () => {
    for (const s of SMART_SEGMENTS) expect(page).toContain(`| ${s.name} | \`${s.template}\` | ${s.description} |`);
  });
  it('shows the RFM tie rule and every segment with its cells', () => {
    expect(page).toContain(RFM_TIE_RULE);
    for (const s of RFM_SEGMENTS) expect(page).toContain(`| ${s.name} | ${s.cells.map(([r, fm]) => `(${r},${fm})`).join(' ')} |`);
  });
});
