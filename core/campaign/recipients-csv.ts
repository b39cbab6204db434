import { parse } from 'csv-parse/sync';
import { isE164 } from '../client/phone.js';
import { ConfigError } from '../errors.js';
import type { Recipient } from './campaign-types.js';

const PHONE_COLUMNS = ['phone', 'phone_number', 'phonenumber', 'msisdn', 'number'];

/**
 * The recipients of a CSV file: a header row with a phone column (`phone`, `phone_number`,
 * `msisdn` or `number`) and any other columns, which become each recipient's template
 * variables. Throws a ConfigError naming each row whose number is not E.164.
 *
 * @example
 * parseRecipientsCsv('phone,name\n+15555550100,Ann\n'); // [{ phone: '+15555550100', vars: { name: 'Ann' } }]
 */
export function parseRecipientsCsv(text: string, where = 'recipients'): Recipient[] {
  let rows: Array<{ record: Record<string, string>; info: { lines: number }; raw: string }>;
  try {
    // With each record, its raw text and the line it ends on: enough for the line it starts on.
    rows = parse(text, { columns: (header: string[]) => header.map((name) => name.trim()), skip_empty_lines: true, trim: true, bom: true, info: true, raw: true });
  } catch (error) {
    throw new ConfigError(`${where}: expected CSV with a header row; ${(error as Error).message}`);
  }
  if (rows.length === 0) throw new ConfigError(`${where}: expected a header row and at least one recipient`);
  const columns = Object.keys(rows[0]!.record);
  const phoneColumn = columns.find((name) => PHONE_COLUMNS.includes(name.toLowerCase()));
  if (phoneColumn === undefined) throw new ConfigError(`${where}: expected a phone column (${PHONE_COLUMNS.join(', ')}), got columns: ${columns.join(', ')}`);
  const bad: string[] = [];
  const recipients = rows.map(({ record, info, raw }) => {
    const { [phoneColumn]: phone = '', ...vars } = record;
    if (!isE164(phone)) bad.push(`line ${startLine(info.lines, raw)}: ${JSON.stringify(phone)}`);
    return { phone, vars };
  });
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).join('; ');
    throw new ConfigError(`${where}: expected E.164 numbers such as +15555550100 in column "${phoneColumn}"; ${bad.length} are not (${shown}${bad.length > 5 ? '; …' : ''})`);
  }
  return recipients;
}

/** The line a record starts on, as an editor counts: blank lines before it and newlines inside its quoted fields skipped back. */
function startLine(endLine: number, raw: string): number {
  const own = raw.replace(/\r?\n$/, '').replace(/^(\r?\n)+/, '');
  return endLine - (own.match(/\n/g)?.length ?? 0);
}
