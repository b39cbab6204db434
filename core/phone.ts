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
