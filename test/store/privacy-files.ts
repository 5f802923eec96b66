/**
 * The files the privacy tests import: the customer to erase (WHO) with two orders, a row with a bad date (quarantined
 * with the id in a column) and a line that cannot be parsed (the id in its text), beside two other customers.
 */
export const WHO = 'cust-erase-me';

export function writePrivacyFiles(dir: { file: (name: string, lines: string[]) => string }): { customers: string; events: string } {
  return {
    customers: dir.file('customers.csv', [
      'id,email,phone,created_at,consent_email',
      `${WHO},who@example.com,+100,2024-01-01,true`,
      'c2,c2@example.com,,2024-01-02,false',
      'c3,c3@example.com,,2024-01-03,',
    ]),
    events: dir.file('events.csv', [
      'id,type,ts,customer_id,product_id,order_id,quantity,unit_price',
      `e1,order,2024-02-01 10:00:00,${WHO},p1,o1,1,20`,
      `e2,order,2024-03-01 10:00:00,${WHO},p2,o2,2,15`,
      'e3,order,2024-03-02 10:00:00,c2,p1,o3,1,20',
      'e6,order,2024-03-05 10:00:00,c3,p2,o5,1,15',
      `e4,order,not-a-date,${WHO},p1,o4,1,20`,
      `e5,view,2024-03-03 10:00:00,${WHO},p1,,,,extra`,
    ]),
  };
}
