import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../shared/errors.js';
import { BehaviorShifts } from './behavior-shift.js';
import { CampaignSchedule } from './campaigns.js';
import { PRODUCT_COLUMNS, buildCatalog, catalogSizeFor, productCsvRow } from './catalog.js';
import { CsvFileWriter } from './csv-writer.js';
import { CustomerActivity } from './customer-events.js';
import { CUSTOMER_COLUMNS, GROUND_TRUTH_COLUMNS, customerCsvRow, drawCustomer, groundTruthCsvRow } from './customers.js';
import { EVENT_COLUMNS } from './event-batch.js';
import { IdSequence, digitsOf } from './ids.js';
import { PriceList, SaleCalendar } from './pricing.js';
import { ProductSampler } from './product-sampler.js';
import { Random } from './random.js';
import { Clock } from './timeline.js';
import { TimestampFormatter, dayOf, timeWindowEndingAt } from './timestamps.js';

export interface DemoOptions {
  customers: number;
  seed: number;
  outDir: string;
  /** Every event falls in the two years before this; fixed by default so a seed always gives the same files. */
  end?: Date;
  /** Called about every 10,000 customers and once at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface DemoFiles {
  customers: string;
  products: string;
  events: string;
  truth: string;
  counts: { customers: number; products: number; events: number; orderLines: number };
}

export const DEFAULT_END = new Date('2026-11-01T00:00:00Z');

const PROGRESS_EVERY = 10_000;
/** Independent random streams per purpose, so a catalog change does not reshuffle every customer. */
const CATALOG_STREAM = 1;
const CUSTOMER_STREAM = 2;
const SHIFT_STREAM = 3;
/** A sanity bound on the population: far beyond it the files would run to terabytes. */
const MAX_CUSTOMERS = 100_000_000;

/**
 * Writes a synthetic fashion store: customers.csv, products.csv, events.csv and ground_truth.csv (the hidden persona,
 * lifecycle and behavior shift of each customer, for measuring how well segments recover them). Customers are generated and written
 * one at a time through chunked, backpressured streams, so memory does not grow with the population.
 */
export async function generateDemo(options: DemoOptions): Promise<DemoFiles> {
  const { customers, seed } = options;
  if (!Number.isSafeInteger(customers) || customers < 1 || customers > MAX_CUSTOMERS) {
    throw new ValidationError(`customers must be a whole number from 1 to ${MAX_CUSTOMERS}`, { customers });
  }
  if (!Number.isSafeInteger(seed)) throw new ValidationError('seed must be a whole number', { seed });
  const end = options.end ?? DEFAULT_END;
  if (Number.isNaN(end.getTime())) throw new ValidationError('end must be a valid date', { end: String(end) });

  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const window = timeWindowEndingAt(end);
  const clock = new Clock(window);
  // Launches and account creation reach back before the event window; a year and a bit covers both.
  const timestamps = new TimestampFormatter(dayOf(window.start) - 400, dayOf(window.end));
  const sales = new SaleCalendar(dayOf(window.start) - 1, dayOf(window.end) + 1);
  const products = buildCatalog(new Random(seed, CATALOG_STREAM), catalogSizeFor(customers), window);

  const files = {
    customers: join(outDir, 'customers.csv'),
    products: join(outDir, 'products.csv'),
    events: join(outDir, 'events.csv'),
    truth: join(outDir, 'ground_truth.csv'),
  };
  const productWriter = new CsvFileWriter(files.products, PRODUCT_COLUMNS);
  const customerWriter = new CsvFileWriter(files.customers, CUSTOMER_COLUMNS);
  const eventWriter = new CsvFileWriter(files.events, EVENT_COLUMNS);
  const truthWriter = new CsvFileWriter(files.truth, GROUND_TRUTH_COLUMNS);
  const writers = [productWriter, customerWriter, eventWriter, truthWriter];

  try {
    for (const product of products) productWriter.append(`${productCsvRow(product, timestamps)}\n`);
    await productWriter.close();

    const rng = new Random(seed, CUSTOMER_STREAM);
    const idWidth = digitsOf(customers);
    // Widths leave room for the expected ids per customer; a longer id is still unique.
    const eventIds = new IdSequence('E', idWidth + 3);
    const activity = new CustomerActivity({
      rng,
      clock,
      timestamps,
      sampler: new ProductSampler(products),
      prices: new PriceList(products),
      sales,
      campaigns: new CampaignSchedule(window, sales),
      orderIds: new IdSequence('O', idWidth + 2),
      sessionIds: new IdSequence('S', idWidth + 3),
      anonymousIds: new IdSequence('A', idWidth),
      shifts: new BehaviorShifts(new Random(seed, SHIFT_STREAM), products),
    });
    let orderLines = 0;
    for (let n = 1; n <= customers; n++) {
      const customer = drawCustomer(rng, n, idWidth);
      const { createdAt, orderLines: lines, shift } = activity.generate(customer);
      orderLines += lines;
      activity.batch.drainInto(eventWriter, eventIds);
      customerWriter.append(customerCsvRow(customer, timestamps.format(createdAt)));
      truthWriter.append(groundTruthCsvRow(customer, shift));
      if (n % PROGRESS_EVERY === 0) options.onProgress?.(n, customers);
      if (eventWriter.full) await eventWriter.flush();
      if (customerWriter.full) await customerWriter.flush();
      if (truthWriter.full) await truthWriter.flush();
    }
    await Promise.all([customerWriter.close(), eventWriter.close(), truthWriter.close()]);
    if (customers % PROGRESS_EVERY !== 0) options.onProgress?.(customers, customers);
    return { ...files, counts: { customers, products: products.length, events: eventIds.issued, orderLines } };
  } catch (err) {
    for (const writer of writers) writer.abort();
    throw err;
  }
}

