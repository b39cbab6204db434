/** An E.164 phone number: `+`, a country code, at most 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/**
 * Whether a string is an E.164 phone number, as the RBM API requires.
 *
 * @example
 * isE164('+12223334444'); // true
 * isE164('2223334444'); // false
 */
export function isE164(phone: string): boolean {
  return E164_PATTERN.test(phone);
}

/**
 * Masks a phone number for logs: the country-code side and the last two digits stay, the
 * rest becomes `*`. Never log a full number.
 *
 * @example
 * maskPhone('+12223334444'); // '+122******44'
 */
export function maskPhone(phone: string | undefined): string {
  if (phone === undefined || phone === '') return '';
  if (phone.length <= 6) return '*'.repeat(phone.length);
  return phone.slice(0, 4) + '*'.repeat(phone.length - 6) + phone.slice(-2);
}

/** A run of digits long enough to be a phone number, with or without `+`, possibly URL-encoded. */
const PHONE_LIKE = /(?:\+|%2B)?\d{7,15}(?!\d)/gi;

/**
 * Masks every phone-number-like run of digits in a text (an error message, a URL path), so a
 * full number never appears in an error or a log line.
 *
 * @example
 * maskPhonesIn('POST /v1/phones/+12223334444/agentMessages'); // 'POST /v1/phones/+122******44/agentMessages'
 */
export function maskPhonesIn(text: string): string {
  return text.replace(PHONE_LIKE, (phone) => maskPhone(phone));
}
