import type { Entity, EventType } from '../schema.js';

/**
 * The names real exports give store fields and event types, for `segmint import --suggest`. Names are compared
 * squashed: lower case, letters and digits only ("Customer ID", "customer_id" and "CustomerID" are one name).
 */
export function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const PERSON = ['customerid', 'customer', 'userid', 'user', 'clientid', 'client', 'customerno', 'customernumber', 'buyerid', 'accountid', 'profileid', 'personid', 'distinctid'];
const EMAIL = ['email', 'emailaddress', 'customeremail', 'mail'];
const COUNTRY = ['country', 'countrycode', 'billingcountry', 'shippingcountry', 'geocountry', 'countryname'];
const PRODUCT = ['productid', 'sku', 'stockcode', 'itemid', 'variantid', 'variantsku', 'lineitemsku', 'productsku', 'productcode', 'itemcode', 'articleid', 'article', 'product'];
const TITLE = ['producttitle', 'title', 'productname', 'itemname', 'lineitemname', 'description'];
const CATEGORY = ['productcategory', 'category', 'itemcategory', 'producttype', 'categorypath', 'categories', 'department'];
const BRAND = ['productbrand', 'brand', 'vendor', 'itembrand', 'manufacturer'];
const PRICE = ['unitprice', 'price', 'itemprice', 'lineitemprice', 'priceeach', 'saleprice', 'listprice', 'variantprice', 'unitpricecents', 'pricecents', 'priceincents'];

/** Per entity and field, the column names that mean it, best first. A person's email is their id when no id is given. */
export const FIELD_NAMES: Record<Entity, Record<string, readonly string[]>> = {
  events: {
    id: ['eventid', 'messageid', 'insertid', 'eventuuid', 'uuid', 'id'],
    type: ['eventtype', 'type', 'event', 'eventname', 'metric', 'metricname', 'action', 'activity', 'kind'],
    ts: ['ts', 'timestamp', 'when', 'eventtimestamp', 'eventtime', 'time', 'datetime', 'occurredat', 'createdat', 'created', 'invoicedate', 'orderdate', 'processedat', 'paidat', 'sentat', 'eventdate', 'date'],
    customer_id: [...PERSON, ...EMAIL],
    anonymous_id: ['anonymousid', 'anonid', 'visitorid', 'userpseudoid', 'deviceid', 'cookieid'],
    session_id: ['sessionid', 'session', 'gasessionid', 'visitid'],
    product_id: PRODUCT,
    order_id: ['orderid', 'order', 'invoiceno', 'invoice', 'invoicenumber', 'invoiceid', 'ordernumber', 'orderno', 'transactionid'],
    quantity: ['quantity', 'qty', 'units', 'lineitemquantity', 'quantityordered', 'itemquantity'],
    unit_price: PRICE,
    discount: ['discount', 'discountamount', 'lineitemdiscount', 'discounts'],
    query: ['query', 'searchquery', 'searchterm', 'searchterms', 'keyword', 'keywords', 'term', 'q'],
    channel: ['channel', 'saleschannel', 'sourcename', 'utmmedium', 'medium', 'trafficsource', 'source'],
    device: ['device', 'devicetype', 'devicecategory', 'platform'],
    country: COUNTRY,
    properties: ['properties', 'props', 'eventproperties', 'params', 'eventparams', 'metadata', 'attributes', 'extra'],
    currency: ['currency', 'currencycode', 'curr', 'cur'],
    product_title: TITLE,
    product_category: CATEGORY,
    product_brand: BRAND,
  },
  customers: {
    id: [...PERSON, 'id', ...EMAIL],
    email: EMAIL,
    phone: ['phone', 'phonenumber', 'mobile', 'mobilephone', 'telephone', 'tel', 'cellphone'],
    created_at: ['createdat', 'created', 'signupdate', 'signedupat', 'registeredat', 'registrationdate', 'joinedat', 'customersince', 'datecreated', 'firstseen'],
    country: COUNTRY,
    consent_email: ['consentemail', 'acceptsemailmarketing', 'acceptsmarketing', 'emailoptin', 'emailconsent', 'emailsubscribed', 'newsletter', 'subscribed', 'marketingoptin'],
    consent_sms: ['consentsms', 'acceptssmsmarketing', 'smsoptin', 'smsconsent', 'smssubscribed'],
    consent_push: ['consentpush', 'pushoptin', 'pushconsent', 'pushenabled'],
    consent_ads: ['consentads', 'adsoptin', 'adsconsent', 'adconsent', 'personalizedads'],
    attributes: ['attributes', 'properties', 'traits', 'metadata', 'customattributes'],
    consent_updated_at: ['consentupdatedat', 'consentat', 'consentdate', 'optinat', 'emailmarketingconsentupdatedat'],
  },
  products: {
    id: [...PRODUCT, 'id', 'handle'],
    title: ['title', 'name', 'productname', 'producttitle', 'itemname', 'description'],
    category: ['category', 'producttype', 'productcategory', 'categorypath', 'categories', 'department', 'type'],
    brand: BRAND,
    price: PRICE,
    colors: ['colors', 'color', 'colours', 'colour'],
    materials: ['materials', 'material', 'fabric'],
    style_tags: ['styletags', 'tags', 'style', 'styles'],
    launched_at: ['launchedat', 'launched', 'launchdate', 'releasedate', 'publishedat', 'availablefrom', 'createdat'],
    attributes: ['attributes', 'properties', 'metadata', 'options'],
  },
};

/** Names of an amount that is not a unit price: an order-level row's total, read as the price of one unit. */
export const AMOUNT_NAMES = ['amount', 'total', 'value', 'revenue', 'ordertotal', 'totalprice', 'totalamount', 'grandtotal', 'subtotal', 'linetotal'];

/** A column name that says its amounts are in minor units (cents). */
export const MINOR_UNITS = /cents|minor/i;

/** Event names in exports (Klaviyo metrics, GA4 and Segment events, ...), squashed, by the event type they are. */
const EVENT_NAMES: Record<EventType, readonly string[]> = {
  order: ['order', 'purchase', 'purchased', 'placedorder', 'orderplaced', 'ordercompleted', 'completedorder', 'checkoutcompleted', 'orderedproduct', 'transaction', 'sale', 'buy'],
  return: ['return', 'returned', 'refund', 'refunded', 'orderrefunded', 'refundedorder', 'returnedproduct'],
  view: ['view', 'viewed', 'pageview', 'productview', 'viewitem', 'viewedproduct', 'productviewed', 'viewproduct', 'itemview', 'productdetailview'],
  search: ['search', 'searched', 'searchedsite', 'viewsearchresults', 'sitesearch', 'productssearched', 'productsearched'],
  add_to_cart: ['addtocart', 'cart', 'addedtocart', 'productadded', 'cartadd', 'addtobasket', 'addedtobasket'],
  remove_from_cart: ['removefromcart', 'removedfromcart', 'productremoved', 'cartremove', 'removefrombasket'],
  email_send: ['emailsend', 'receivedemail', 'emailsent', 'emaildelivered', 'sent', 'delivered'],
  email_open: ['emailopen', 'openedemail', 'emailopened', 'open', 'opened'],
  email_click: ['emailclick', 'clickedemail', 'emailclicked'],
  campaign_impression: ['campaignimpression', 'impression', 'viewpromotion', 'promotionview', 'adimpression'],
  campaign_click: ['campaignclick', 'selectpromotion', 'promotionclick', 'adclick'],
};

const EVENT_BY_NAME = new Map(Object.entries(EVENT_NAMES).flatMap(([type, names]) => names.map((n) => [n, type as EventType])));

/** The event type an export's event name means, if it is a known one. */
export function eventTypeOf(value: string): EventType | undefined {
  return EVENT_BY_NAME.get(squash(value));
}

/** Words for true and false in exports ("Accepts Email Marketing: yes"), squashed. */
export const BOOLEAN_WORDS: Record<string, 'true' | 'false'> = {
  ...Object.fromEntries(['true', 't', 'yes', 'y', '1', 'subscribed', 'optedin', 'optin', 'granted', 'on'].map((w) => [w, 'true' as const])),
  ...Object.fromEntries(['false', 'f', 'no', 'n', '0', 'unsubscribed', 'notsubscribed', 'neversubscribed', 'optedout', 'optout', 'denied', 'off'].map((w) => [w, 'false' as const])),
};
