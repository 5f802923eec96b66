import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { columnSpecSchema, csvOptionsSchema, EPOCH_FORMATS, fieldSpecs, mappingSchema, PRESETS, returnsSchema } from '../../src/store/ingest/mapping.js';
import { ENTITIES, EVENT_TYPES, TYPE_WORDS } from '../../src/store/schema.js';

describe('docs/importing.md', () => {
  const page = readFileSync('docs/importing.md', 'utf8');
  const section = (entity: string) => page.slice(page.indexOf(`### ${entity}\n`), page.indexOf('\n## ', page.indexOf(`### ${entity}\n`)));

  it('lists every field of every entity with its type, in that entity’s table', () => {
    for (const entity of ENTITIES) {
      const table = section(entity).split('\n### ')[0]!;
      for (const f of fieldSpecs(entity)) expect(table, `${entity}.${f.name}`).toContain(`| \`${f.name}\` | ${TYPE_WORDS[f.type]} |`);
    }
  });

  it('describes every key a mapping may have, anywhere in it', () => {
    for (const schema of [mappingSchema, csvOptionsSchema, returnsSchema, columnSpecSchema]) {
      for (const key of Object.keys(schema.shape)) expect(page, key).toContain(`\`${key}\``);
    }
    for (const format of Object.keys(EPOCH_FORMATS)) expect(page, format).toContain(`\`${format}\``);
  });

  it('lists every preset and every event type', () => {
    for (const name of Object.keys(PRESETS)) expect(page, name).toContain(`| \`${name}\` |`);
    for (const type of EVENT_TYPES) expect(page, type).toContain(`\`${type}\``);
  });
});
