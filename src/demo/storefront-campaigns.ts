import type { CampaignInput } from '../campaigns/index.js';

/**
 * One campaign of each type for the sample storefront, as `segmint demo` creates and activates them: the overlay
 * types on different pages (a visitor sees one overlay at a time), the bar and the hero everywhere, the hero as an
 * experiment with a holdout.
 */
export const DEMO_CAMPAIGNS: CampaignInput[] = [
  {
    type: 'notification_bar',
    name: 'Free shipping bar',
    priority: 10,
    content: { message: 'Free shipping on orders over €50 this week.', cta: { label: 'Shop now', url: '/storefront/demo?page=product' } },
    frequency_cap: { max_impressions: 5 },
  },
  {
    type: 'hero_banner',
    name: 'Autumn collection hero',
    priority: 10,
    content: { headline: 'The autumn collection is here', body: 'Wool, linen and leather for the cooler days.', image_url: '/storefront/hero.svg', cta: { label: 'Discover', url: '/storefront/demo?page=product' } },
    frequency_cap: { max_impressions: 20 },
    experiment: { variants: [{ id: 'control', weight: 45 }, { id: 'urgent', weight: 45, content: { headline: 'Autumn collection: first pieces selling out' } }], holdout: 10 },
  },
  {
    type: 'popup_banner',
    name: 'Loyal customers welcome',
    priority: 20,
    content: { headline: 'Welcome back!', body: 'As one of our most loyal customers, take 15% off your next order with code LOYAL15.', cta: { label: 'Shop the new season', url: '/storefront/demo?page=product' } },
    targeting: { audiences: { include: ['smart-active-loyals'], exclude: [] }, page_types: ['home'], visitor: 'any' },
    frequency_cap: { max_impressions: 2 },
  },
  {
    type: 'email_collection',
    name: 'Newsletter signup',
    priority: 10,
    content: { headline: 'Get 10% off your first order', body: 'Join our newsletter for new arrivals and private sales.', consent_text: 'Yes, email me news and offers. I can unsubscribe at any time.' },
    targeting: { audiences: { include: [], exclude: [] }, page_types: ['product'], visitor: 'any' },
    frequency_cap: { max_impressions: 3 },
  },
  {
    type: 'form_survey',
    name: 'Cart survey',
    priority: 5,
    content: {
      headline: 'How was your visit?',
      questions: [
        { id: 'found', label: 'Did you find what you were looking for?', kind: 'single_choice', options: ['Yes', 'Partly', 'No'], required: true },
        { id: 'rating', label: 'How would you rate the shop?', kind: 'rating' },
        { id: 'comment', label: 'Anything we could do better?', kind: 'text' },
      ],
    },
    targeting: { audiences: { include: [], exclude: [] }, page_types: ['cart'], visitor: 'any' },
    frequency_cap: { max_impressions: 1 },
  },
];
