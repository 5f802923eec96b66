import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { asTimestamp, createTableAs, ident, sql } from '../../sql/index.js';
import type { Store, TextColumns } from '../../store/index.js';
import type { Destination } from '../destinations/index.js';
import { sha256Hex } from '../normalise.js';
import type { ExportFormat } from './schema.js';

interface Contact {
  email: string | null;
  phone: string | null;
  country: string | null;
}

/** A line of the file: hashes are hex, so no CSV quoting is needed; a missing identifier is an empty field, or null. */
function line(format: ExportFormat, d: Destination, email: string | null, phone: string | null): string {
  if (format === 'csv') return `${email ?? ''},${phone ?? ''}\n`;
  return `${JSON.stringify({ [d.headers.email]: email, [d.headers.phone]: phone })}\n`;
}

/**
 * The members at a run who consented to the ads channel, as `d`'s customer-list file: SHA-256 of the email and the
 * phone normalised as `d` documents, one member a line, those with neither left out. The members are read a chunk at
 * a time on a connection of their own and written as they come, so a large audience is never held in memory. Answers
 * the rows written.
 */
export async function writeAdFile(store: Store, o: { audienceId: string; asOf: string; destination: Destination; format: ExportFormat; path: string }): Promise<number> {
  const d = o.destination;
  const out = createWriteStream(o.path);
  const fork = await store.fork();
  let rows = 0;
  try {
    if (o.format === 'csv') out.write(`${d.headers.email},${d.headers.phone}\n`);
    for await (const chunk of fork.chunks<Contact>(sql`SELECT c.email, c.phone, c.country FROM memberships m JOIN customers c ON c.id = m.customer_id
      WHERE m.audience_id = ${o.audienceId} AND m.as_of = ${asTimestamp(o.asOf)} AND c.consent_ads ORDER BY m.score DESC NULLS LAST, m.customer_id`)) {
      let text = '';
      for (const c of chunk) {
        const email = d.email(c.email);
        const phone = d.phone(c.phone, c.country);
        if (email === null && phone === null) continue;
        text += line(o.format, d, email === null ? null : sha256Hex(email), phone === null ? null : sha256Hex(phone));
        rows++;
      }
      if (!out.write(text)) await once(out, 'drain');
    }
  } finally {
    fork.close();
    out.end();
    await once(out, 'close');
  }
  return rows;
}

/** export_identities' hashes as `d`'s file names them. */
function fileColumns(d: Destination): TextColumns {
  return { email_sha256: d.headers.email, phone_sha256: d.headers.phone };
}

/**
 * The hashed identities of a file `writeAdFile` wrote, read back into a new table of the store named `table`
 * (email_sha256, phone_sha256), for the removals and the kept identities; drop it after.
 */
export async function readIdentities(store: Store, o: { destination: Destination; format: ExportFormat; path: string; table: string }): Promise<void> {
  await store.run(createTableAs(ident(o.table), sql`SELECT email_sha256, phone_sha256 FROM export_identities WHERE 1 = 0`, true));
  await store.insertText(o.table, fileColumns(o.destination), o.path, o.format);
}

/**
 * The rows of the last file to `d` for the audience that this one (its identities in the table `identities`) lacks:
 * members who left, withdrew consent or were erased; written beside it in the same layout. Answers the removals
 * written.
 */
export async function writeRemovals(store: Store, o: { audienceId: string; destination: Destination; format: ExportFormat; identities: string; removalsPath: string }): Promise<number> {
  const d = o.destination;
  const kept = sql`export_identities WHERE audience_id = ${o.audienceId} AND destination = ${d.name}`;
  const removed = sql`SELECT email_sha256, phone_sha256 FROM ${kept} EXCEPT DISTINCT SELECT email_sha256, phone_sha256 FROM ${ident(o.identities)}`;
  return store.writeText(
    sql`SELECT email_sha256 AS ${ident(d.headers.email)}, phone_sha256 AS ${ident(d.headers.phone)} FROM (${removed}) AS r
      ORDER BY email_sha256 NULLS LAST, phone_sha256 NULLS LAST`,
    o.removalsPath,
    o.format,
  );
}

/** Replaces the kept identities of the audience and destination with those of the file just written (the table `identities`). */
export async function keepIdentities(store: Store, o: { audienceId: string; destination: Destination; identities: string }): Promise<void> {
  await store.run(sql`DELETE FROM export_identities WHERE audience_id = ${o.audienceId} AND destination = ${o.destination.name}`);
  await store.run(sql`INSERT INTO export_identities SELECT ${o.audienceId}, ${o.destination.name}, email_sha256, phone_sha256 FROM ${ident(o.identities)}`);
}
