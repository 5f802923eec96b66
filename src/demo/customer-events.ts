import type { BehaviorShifts } from './behavior-shift.js';
import type { CampaignSchedule } from './campaigns.js';
import type { Product } from './catalog.js';
import { COUNTRIES, type Customer } from './customers.js';
import { EventBatch, NO_PRICE, eventBody } from './event-batch.js';
import type { IdSequence } from './ids.js';
import { PERSONA_BEHAVIOR, PERSONA_MIX, type Channel, type Persona, type PersonaBehavior } from './personas.js';
import type { PriceList, SaleCalendar } from './pricing.js';
import type { ProductSampler } from './product-sampler.js';
import type { Random } from './random.js';
import { planTimeline, type Clock, type Timeline } from './timeline.js';
import { DAY, HOUR, MINUTE, dayOf, type TimestampFormatter } from './timestamps.js';

/** The shared machinery every customer's activity is drawn with; the id sequences and the generator advance. */
interface ActivityContext {
  rng: Random;
  clock: Clock;
  timestamps: TimestampFormatter;
  sampler: ProductSampler;
  prices: PriceList;
  sales: SaleCalendar;
  campaigns: CampaignSchedule;
  orderIds: IdSequence;
  sessionIds: IdSequence;
  anonymousIds: IdSequence;
  shifts: BehaviorShifts;
}

/** "New arrival" as the features measure it: bought within 30 days of launch. */
const NEW_ARRIVAL_WINDOW = 30 * DAY;
/** Anonymous visits per customer: people who browse without ever signing in. */
const ANONYMOUS_VISIT_CHANCE = 0.2;
/**
 * An order visit is shorter than a browse: the customer mostly knows what to buy, and the cart was often filled on an
 * earlier visit. Searches and extra views are scaled down, and lines are put in the cart during the visit only
 * sometimes. This keeps browsing and email rows at most about as many as the order lines.
 */
const ORDER_VISIT_SEARCH_FACTOR = 0.4;
const ORDER_VISIT_VIEW_FACTOR = 0.25;
const CART_FIRST_LINE_CHANCE = 0.5;
const CART_FURTHER_LINE_CHANCE = 0.05;
/** A browse-only cart is sometimes emptied again rather than just left behind. */
const REMOVE_FROM_CART_CHANCE = 0.3;
/** Campaign emails sent after a customer drifted away are rarely opened. */
const DISENGAGED_OPEN_FACTOR = 0.1;
/** Seconds between the events of a shift visit. */
const SHIFT_STEP = 40;
/** Order lines are only ever drawn this many times to avoid repeating a product within an order. */
const DISTINCT_ATTEMPTS = 4;

/** Who, in which session and where: the cells shared by every event of one visit. */
interface Visit {
  /** `customer_id,anonymous_id`. */
  actor: string;
  session: string;
  /** `channel,device,country`. */
  place: string;
}

interface OrderLine {
  product: Product;
  quantity: number;
  discountLevel: number;
}

/**
 * Draws everything one customer does over the two years: order visits (with returns), browse-only visits, campaign
 * emails, and now and then an anonymous visitor's session. The lifecycle fixes when orders happen (timeline.ts), the
 * persona what they contain and how the customer behaves around them.
 */
export class CustomerActivity {
  readonly batch = new EventBatch();
  /** Campaigns already sent to the current customer, so a campaign that led to an order is not sent twice. */
  private readonly emailed = new Set<number>();

  constructor(private readonly ctx: ActivityContext) {}

  /**
   * Draws one customer's history into `batch`; returns when the account was created, how many order lines, and the
   * category of the customer's behavior shift ('' for none).
   */
  generate(customer: Customer): { createdAt: number; orderLines: number; shift: string } {
    const { rng, clock } = this.ctx;
    const timeline = planTimeline(rng, clock, customer.lifecycle, customer.behavior);
    this.emailed.clear();
    let orderLines = 0;
    for (const start of timeline.orders) orderLines += this.orderVisit(customer, start, timeline);
    this.browseVisits(customer, timeline);
    if (customer.consentEmail) this.campaignEmails(customer, timeline);
    if (rng.chance(ANONYMOUS_VISIT_CHANCE)) this.anonymousVisit();
    const shift = this.ctx.shifts.draw(customer.persona, timeline.orders.length);
    if (shift) this.shiftVisits(customer, shift);
    return { createdAt: timeline.createdAt, orderLines, shift };
  }

  private orderVisit(customer: Customer, start: number, timeline: Timeline): number {
    const { rng, orderIds, prices, clock } = this.ctx;
    const behavior = customer.behavior;
    const lines = this.orderLines(customer, start);
    const orderId = orderIds.next();
    const channel = behavior.channels.pick(rng);
    let orderedAt = start;
    let visit: Visit;
    if (channel === 'store') {
      // Till purchases: no web session, no device.
      visit = { actor: `${customer.id},`, session: '', place: `store,,${customer.country}` };
    } else {
      visit = this.openVisit(customer, channel);
      orderedAt = this.leadUpToOrder(customer, visit, lines, start, timeline);
    }
    const orderedText = this.ctx.timestamps.format(orderedAt);
    const returnPlace = `${channel},,${customer.country}`;
    for (const { product, quantity, discountLevel } of lines) {
      this.batch.add(
        orderedAt,
        eventBody('order', orderedText, visit.actor, visit.session, product.id, orderId, String(quantity), prices.paid(product, discountLevel), '', visit.place, ''),
      );
      if (!rng.chance(behavior.returnChance)) continue;
      const returnedAt = orderedAt + rng.intBetween(3, 30) * DAY + rng.int(DAY);
      if (returnedAt >= clock.window.end) continue;
      const returned = quantity === 1 ? 1 : rng.intBetween(1, quantity);
      this.batch.add(
        returnedAt,
        eventBody('return', this.ctx.timestamps.format(returnedAt), visit.actor, '', product.id, orderId, String(returned), prices.refund(product, discountLevel), '', returnPlace, ''),
      );
    }
    return lines.length;
  }

  /** What an online order visit does before the order: returns when the order is placed. */
  private leadUpToOrder(customer: Customer, visit: Visit, lines: readonly OrderLine[], start: number, timeline: Timeline): number {
    const { rng } = this.ctx;
    const behavior = customer.behavior;
    const [firstLine, ...furtherLines] = lines;
    let t = start;
    if (customer.consentEmail && rng.chance(behavior.emailDrivenOrder)) t = this.emailLeadIn(customer, visit, t, timeline);
    if (firstLine && rng.chance(behavior.searchChance * ORDER_VISIT_SEARCH_FACTOR)) {
      this.search(visit, t, rng.pick(firstLine.product.searchQueries));
      t = this.step(t);
    }
    const extraViews = rng.poisson(behavior.extraViews * ORDER_VISIT_VIEW_FACTOR);
    for (let i = 0; i < extraViews; i++) {
      this.view(visit, t, furtherLines[i]?.product ?? this.pickProduct(customer.persona, behavior, t));
      t = this.step(t);
    }
    // The visit always touches the first line: put in the cart now, or already in it and looked at once more.
    if (firstLine) {
      if (rng.chance(CART_FIRST_LINE_CHANCE)) this.cart(visit, t, 'add_to_cart', firstLine.product, firstLine.quantity);
      else this.view(visit, t, firstLine.product);
      t = this.step(t);
    }
    for (const line of furtherLines) {
      if (!rng.chance(CART_FURTHER_LINE_CHANCE)) continue;
      this.cart(visit, t, 'add_to_cart', line.product, line.quantity);
      t = this.step(t);
    }
    return t;
  }

  /** The lines of one order: distinct products, their quantities and the discount each was bought at. */
  private orderLines(customer: Customer, at: number): OrderLine[] {
    const { rng, sales } = this.ctx;
    const behavior = customer.behavior;
    const wanted = behavior.minLines + rng.poisson(behavior.extraLines);
    const day = dayOf(at);
    const lines: OrderLine[] = [];
    for (let i = 0; i < wanted; i++) {
      let product = this.pickProduct(customer.persona, behavior, at);
      for (let attempt = 1; attempt < DISTINCT_ATTEMPTS && lines.some((line) => line.product === product); attempt++) {
        product = this.pickProduct(customer.persona, behavior, at);
      }
      if (lines.some((line) => line.product === product)) continue;
      const quantity = rng.chance(behavior.multiUnitChance) ? 1 + rng.intBetween(1, behavior.maxExtraUnits) : 1;
      lines.push({ product, quantity, discountLevel: sales.discountLevel(rng, behavior, day) });
    }
    return lines;
  }

  private pickProduct(persona: Persona, behavior: PersonaBehavior, at: number): Product {
    const { rng, sampler } = this.ctx;
    if (rng.chance(behavior.newArrivalChance)) {
      const fresh = sampler.pickNewArrival(rng, persona, at, NEW_ARRIVAL_WINDOW);
      if (fresh) return fresh;
    }
    return sampler.pick(rng, persona, at);
  }

  /**
   * The campaign email an order visit came from: sent with the latest campaign before the visit, opened and clicked
   * just before it. Returns when the visit continues.
   */
  private emailLeadIn(customer: Customer, visit: Visit, start: number, timeline: Timeline): number {
    const { campaigns, rng } = this.ctx;
    const campaign = campaigns.latestBy(start - HOUR);
    const sentAt = campaigns.sendTimes[campaign];
    if (sentAt === undefined || sentAt < timeline.activeFrom || this.emailed.has(campaign)) return start;
    this.emailed.add(campaign);
    const properties = campaigns.properties[campaign] ?? '';
    this.email('email_send', sentAt, customer, properties);
    this.email('email_open', start - rng.intBetween(MINUTE, 30 * MINUTE), customer, properties);
    this.emailClick(visit, start, properties);
    return this.step(start);
  }

  private browseVisits(customer: Customer, timeline: Timeline): void {
    const { rng, clock } = this.ctx;
    const behavior = customer.behavior;
    const until = Math.min(timeline.activeUntil, clock.latestStart);
    const fromDay = Math.max(clock.firstDay, dayOf(timeline.activeFrom));
    const untilDay = Math.min(clock.lastDay, dayOf(until));
    if (fromDay > untilDay) return;
    const visits = rng.poisson((behavior.browsePerYear * (until - timeline.activeFrom)) / (365 * DAY));
    for (let i = 0; i < visits; i++) {
      const moment = clock.momentOn(rng, clock.day(rng, fromDay, untilDay, behavior.weekendShare));
      const start = Math.min(until, Math.max(timeline.activeFrom, moment));
      this.browse(customer.persona, behavior, this.openVisit(customer, this.onlineChannel(behavior)), start);
    }
  }

  /** A visit without an order: maybe a search, some product views, maybe a cart left behind. */
  private browse(persona: Persona, behavior: PersonaBehavior, visit: Visit, start: number): void {
    const { rng } = this.ctx;
    let t = start;
    let product = this.pickProduct(persona, behavior, t);
    if (rng.chance(behavior.searchChance)) {
      this.search(visit, t, rng.pick(product.searchQueries));
      t = this.step(t);
    }
    const views = 1 + rng.poisson(behavior.extraViews);
    for (let i = 0; i < views; i++) {
      if (i > 0) product = this.pickProduct(persona, behavior, t);
      this.view(visit, t, product);
      t = this.step(t);
    }
    if (!rng.chance(behavior.browseCartChance)) return;
    this.cart(visit, t, 'add_to_cart', product, 1);
    if (rng.chance(REMOVE_FROM_CART_CHANCE)) this.cart(visit, this.step(t), 'remove_from_cart', product, 1);
  }

  /**
   * A behavior shift's visits; timed without the main random stream, so other customers are drawn as without it. They
   * carry no session: a shift changes what the customer looks at, not how they shop, so the visit-based features the
   * personas are recovered from (visit conversion, cart abandonment) stay as they were.
   */
  private shiftVisits(customer: Customer, category: string): void {
    const { clock, shifts } = this.ctx;
    for (const shiftVisit of shifts.visits(category, clock.window.end, clock.latestStart)) {
      const visit = { actor: `${customer.id},`, session: '', place: `web,desktop,${customer.country}` };
      let t = shiftVisit.at;
      this.search(visit, t, shiftVisit.query);
      for (const product of shiftVisit.views) this.view(visit, (t += SHIFT_STEP), product);
      if (shiftVisit.cart) this.cart(visit, (t += SHIFT_STEP), 'add_to_cart', shiftVisit.cart, 1);
    }
  }

  /** The campaigns that reach the customer once subscribed; opens and clicks fade once the customer has drifted away. */
  private campaignEmails(customer: Customer, timeline: Timeline): void {
    const { campaigns, rng, clock } = this.ctx;
    const behavior = customer.behavior;
    for (
      let campaign = campaigns.nextFor(rng, campaigns.firstFrom(timeline.activeFrom) - 1);
      campaign < campaigns.sendTimes.length;
      campaign = campaigns.nextFor(rng, campaign)
    ) {
      const scheduled = campaigns.sendTimes[campaign];
      if (scheduled === undefined || this.emailed.has(campaign)) continue;
      // Sending a campaign to the whole list takes a while.
      const sentAt = scheduled + rng.int(30 * MINUTE);
      const properties = campaigns.properties[campaign] ?? '';
      this.email('email_send', sentAt, customer, properties);
      const openChance = sentAt < timeline.activeUntil ? behavior.emailOpen : behavior.emailOpen * DISENGAGED_OPEN_FACTOR;
      const openedAt = sentAt + MINUTE + Math.floor(rng.exponential(5 * HOUR));
      if (!rng.chance(openChance) || openedAt >= clock.latestStart) continue;
      this.email('email_open', openedAt, customer, properties);
      if (!rng.chance(behavior.emailClick)) continue;
      const clickedAt = openedAt + rng.intBetween(10, 5 * MINUTE);
      const visit = this.openVisit(customer, this.onlineChannel(behavior));
      this.emailClick(visit, clickedAt, properties);
      this.browse(customer.persona, behavior, visit, this.step(clickedAt));
    }
  }

  /** Someone browsing without signing in, with the tastes of a random persona. */
  private anonymousVisit(): void {
    const { rng, clock, anonymousIds, sessionIds } = this.ctx;
    const persona = PERSONA_MIX.pick(rng);
    const behavior = PERSONA_BEHAVIOR[persona];
    const channel = this.onlineChannel(behavior);
    const [country] = COUNTRIES.pick(rng);
    const visit = {
      actor: `,${anonymousIds.next()}`,
      session: sessionIds.next(),
      place: `${channel},${this.device(behavior, channel)},${country}`,
    };
    this.browse(persona, behavior, visit, clock.momentOn(rng, rng.intBetween(clock.firstDay, clock.lastDay)));
  }

  private openVisit(customer: Customer, channel: Exclude<Channel, 'store'>): Visit {
    return {
      actor: `${customer.id},`,
      session: this.ctx.sessionIds.next(),
      place: `${channel},${this.device(customer.behavior, channel)},${customer.country}`,
    };
  }

  /** Browsing happens online; store-leaning customers browse on the web. */
  private onlineChannel(behavior: PersonaBehavior): Exclude<Channel, 'store'> {
    const channel = behavior.channels.pick(this.ctx.rng);
    return channel === 'store' ? 'web' : channel;
  }

  private device(behavior: PersonaBehavior, channel: Exclude<Channel, 'store'>): string {
    const { rng } = this.ctx;
    if (channel === 'app') return rng.chance(0.92) ? 'mobile' : 'tablet';
    if (rng.chance(behavior.webMobileShare)) return 'mobile';
    return rng.chance(0.85) ? 'desktop' : 'tablet';
  }

  /** The pause before the next event of a visit. */
  private step(t: number): number {
    return t + 15 + this.ctx.rng.int(150);
  }

  private view(visit: Visit, at: number, product: Product): void {
    this.batch.add(at, eventBody('view', this.ctx.timestamps.format(at), visit.actor, visit.session, product.id, '', '', NO_PRICE, '', visit.place, ''));
  }

  private search(visit: Visit, at: number, query: string): void {
    this.batch.add(at, eventBody('search', this.ctx.timestamps.format(at), visit.actor, visit.session, '', '', '', NO_PRICE, query, visit.place, ''));
  }

  private cart(visit: Visit, at: number, type: 'add_to_cart' | 'remove_from_cart', product: Product, quantity: number): void {
    const { timestamps, prices } = this.ctx;
    this.batch.add(
      at,
      eventBody(type, timestamps.format(at), visit.actor, visit.session, product.id, '', String(quantity), prices.listed(product), '', visit.place, ''),
    );
  }

  private email(type: 'email_send' | 'email_open', at: number, customer: Customer, properties: string): void {
    this.batch.add(at, eventBody(type, this.ctx.timestamps.format(at), `${customer.id},`, '', '', '', '', NO_PRICE, '', `,,${customer.country}`, properties));
  }

  /** A click opens a visit on the site, so it carries that visit's session, channel and device. */
  private emailClick(visit: Visit, at: number, properties: string): void {
    this.batch.add(at, eventBody('email_click', this.ctx.timestamps.format(at), visit.actor, visit.session, '', '', '', NO_PRICE, '', visit.place, properties));
  }
}
