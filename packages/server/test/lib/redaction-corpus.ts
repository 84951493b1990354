/**
 * What the built-in detectors must find, and look-alikes they must leave alone. Test values only:
 * card numbers are the card networks' published test numbers, IBANs the registry's examples,
 * phone numbers from reserved ranges (555-01xx, Ofcom's drama numbers), addresses from the
 * documentation ranges (192.0.2.0/24, 2001:db8::/32).
 */
import type { RedactionDetector } from '@switchboard/contracts';

/** A text and the personal values in it, each with the detector that should replace it. */
export interface Positive {
  text: string;
  pii: Array<[value: string, detector: RedactionDetector]>;
}

export const POSITIVES: Positive[] = [
  // email
  { text: 'Reach me at jane.doe@example.com please', pii: [['jane.doe@example.com', 'email']] },
  { text: 'my email is j+support@mail.example.co.uk.', pii: [['j+support@mail.example.co.uk', 'email']] },
  { text: 'Contact: ops-team@sub.example.org, thanks', pii: [['ops-team@sub.example.org', 'email']] },
  { text: 'EMAIL=FIRST_LAST@EXAMPLE.NET', pii: [['FIRST_LAST@EXAMPLE.NET', 'email']] },
  { text: 'write to zoë@exämple.de', pii: [['zoë@exämple.de', 'email']] },
  { text: '<a href="mailto:bob@example.io">mail</a>', pii: [['bob@example.io', 'email']] },
  // card
  { text: 'card 4111 1111 1111 1111 exp 12/27', pii: [['4111 1111 1111 1111', 'card']] },
  { text: 'my visa is 4012888888881881', pii: [['4012888888881881', 'card']] },
  { text: 'Mastercard 5555-5555-5555-4444', pii: [['5555-5555-5555-4444', 'card']] },
  { text: 'amex: 378282246310005.', pii: [['378282246310005', 'card']] },
  { text: 'Discover 6011 1111 1111 1117, cvv 123', pii: [['6011 1111 1111 1117', 'card']] },
  { text: 'pay with 5105105105105100', pii: [['5105105105105100', 'card']] },
  { text: 'JCB 3530111333300000', pii: [['3530111333300000', 'card']] },
  { text: 'new mastercard 2223003122003222', pii: [['2223003122003222', 'card']] },
  { text: 'diners 3056 9309 0259 04', pii: [['3056 9309 0259 04', 'card']] },
  // iban
  { text: 'IBAN DE89 3704 0044 0532 0130 00', pii: [['DE89 3704 0044 0532 0130 00', 'iban']] },
  { text: 'send it to GB82WEST12345698765432 today', pii: [['GB82WEST12345698765432', 'iban']] },
  { text: 'FR14 2004 1010 0505 0001 3M02 606 (my account)', pii: [['FR14 2004 1010 0505 0001 3M02 606', 'iban']] },
  { text: 'NL91ABNA0417164300', pii: [['NL91ABNA0417164300', 'iban']] },
  { text: 'es9121000418450200051332 is mine', pii: [['es9121000418450200051332', 'iban']] },
  { text: 'Konto: CH9300762011623852957.', pii: [['CH9300762011623852957', 'iban']] },
  { text: 'BE68 5390 0754 7034', pii: [['BE68 5390 0754 7034', 'iban']] },
  { text: 'IT60X0542811101000000123456 thanks', pii: [['IT60X0542811101000000123456', 'iban']] },
  // ip
  { text: 'logged in from 192.0.2.24', pii: [['192.0.2.24', 'ip']] },
  { text: 'client=203.0.113.7; port 443', pii: [['203.0.113.7', 'ip']] },
  { text: 'my router is 10.0.0.1.', pii: [['10.0.0.1', 'ip']] },
  { text: 'ipv6 2001:db8::8a2e:370:7334 connected', pii: [['2001:db8::8a2e:370:7334', 'ip']] },
  { text: 'from fe80::1ff:fe23:4567:890a', pii: [['fe80::1ff:fe23:4567:890a', 'ip']] },
  { text: 'mapped ::ffff:192.0.2.1 here', pii: [['::ffff:192.0.2.1', 'ip']] },
  { text: 'full 2001:0db8:85a3:0000:0000:8a2e:0370:7334', pii: [['2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'ip']] },
  // ssn
  { text: 'SSN 078-05-1120', pii: [['078-05-1120', 'ssn']] },
  { text: 'my social is 219 09 9999.', pii: [['219 09 9999', 'ssn']] },
  { text: 'ssn: 123-45-6789', pii: [['123-45-6789', 'ssn']] },
  // phone
  { text: 'Call +1 (415) 555-0132 now', pii: [['+1 (415) 555-0132', 'phone']] },
  { text: 'my cell is (415) 555-0132', pii: [['(415) 555-0132', 'phone']] },
  { text: 'number 415-555-0132', pii: [['415-555-0132', 'phone']] },
  { text: '415.555.0132 is the office', pii: [['415.555.0132', 'phone']] },
  { text: 'UK: +44 20 7946 0958', pii: [['+44 20 7946 0958', 'phone']] },
  { text: 'London 020 7946 0958.', pii: [['020 7946 0958', 'phone']] },
  { text: 'mobile 07700 900123', pii: [['07700 900123', 'phone']] },
  { text: 'Berlin +49 30 901820', pii: [['+49 30 901820', 'phone']] },
  { text: 'appelez le +33 6 12 34 56 78', pii: [['+33 6 12 34 56 78', 'phone']] },
  { text: 'portable 06.12.34.56.78', pii: [['06.12.34.56.78', 'phone']] },
  { text: 'whatsapp +14155550132', pii: [['+14155550132', 'phone']] },
  { text: 'ring me on 4155550132', pii: [['4155550132', 'phone']] },
  { text: 'phone: 55512345', pii: [['55512345', 'phone']] },
  { text: 'tel. 0031 20 123 4567', pii: [['0031 20 123 4567', 'phone']] },
  { text: 'the clinic is 02 9876 5432 in Sydney', pii: [['02 9876 5432', 'phone']] },
  // several in one text
  {
    text: 'I am jane@example.com, +1 415 555 0132, card 4111111111111111, from 198.51.100.4',
    pii: [
      ['jane@example.com', 'email'],
      ['+1 415 555 0132', 'phone'],
      ['4111111111111111', 'card'],
      ['198.51.100.4', 'ip'],
    ],
  },
];

/** Texts with no personal data that look like some: each must come through unchanged. */
export const LOOK_ALIKES: string[] = [
  // order and reference numbers
  'Order #12345678 has shipped',
  'order number 100234567',
  'Your order 4000123456 is on its way',
  'Invoice INV-2024-000123 is due',
  'PO 4500012345 approved',
  'ref: 12345678',
  'Booking reference 88123456',
  'ticket 88123456 was closed',
  'Case no. 20241204001',
  'confirmation code 7731 2209 5512',
  'transaction id 4111111111111111',
  // tracking numbers
  'tracking 1Z999AA10123456784',
  'USPS 9400 1000 0000 0000 0000 00',
  'tracking number 7489 2345 6789',
  'DHL JD014600006281231234',
  // dates, times, timestamps
  'on 2024-12-04 at noon',
  'due 04/12/2024',
  'am 12.04.2024 um 10 Uhr',
  'date=20241204',
  '2024-12-04 13:45:00',
  'at 2024-12-04T13:45:00Z',
  'ts 2024-12-04T13:45:00.123+01:00',
  'created 1733319900',
  'created_ms 1733319900123',
  'meet at 13:45 or 09:30:15',
  '12/04/2024 10:30',
  'Q4 2024-2025 plan',
  // ids
  'session 550e8400-e29b-41d4-a716-446655440000',
  'msg 01938a2b-7c3d-7e4f-8a9b-0c1d2e3f4a5b',
  'user_id=48213377',
  'id 1234567890',
  'sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
  'commit a3f9c2e1b4d5',
  'ISBN 978-3-16-148410-0',
  'account id 99887766',
  'employee #20019876',
  // amounts
  'total $1,234,567.89',
  'price € 12345678',
  'USD 25000000 raised',
  '12,345,678.90 in revenue',
  'balance 1234567.89',
  '£99.99 per month',
  '1.299,00 € inkl. MwSt.',
  'processed 1234567890 tokens',
  'it costs 15000000 dollars',
  // versions
  'v1.2.3 released',
  'version 10.15.7',
  'Chrome 120.0.6099.109',
  'upgrade to 2.10.0.1234',
  'build 2024.12.04.1',
  'node v20.11.1',
  'version 1.2.3.4',
  // numbers that only look long
  'pi is 3.14159265358979',
  'coordinates 52.5200, 13.4050',
  'zip 94103',
  'a card that fails Luhn: 4111 1111 1111 1112',
  'not an IBAN: DE89 3704 0044 0532 0130 01',
  'MAC 00:1A:2B:3C:4D:5E',
  'times 12:30:45 and 23:59',
  'ratio 16:9 and 4:3',
  'SSN-like but never issued: 000-12-3456 and 666-12-3456',
  'room 101, floor 3, 20 people',
  'the year 2024 had 366 days',
  'matrix [1, 2, 3, 4, 5, 6, 7, 8]',
  'email me later, @jane on slack',
  'address user@localhost is local',
];
