/**
 * Bulk import of experts from a spreadsheet saved as CSV (UTF-8, with or without BOM). The file is
 * taken whole or not at all: every row is validated (zod, then against the database), and a file
 * with any bad row is refused with each row number and reason, Chinese first then English; nothing
 * is imported from it.
 *
 * Columns (header row, Chinese or English, any order): 姓名/name, 身份证号/idNumber, 职称/title,
 * 地区/regionCode, 工作单位/employerName, 统一社会信用代码/employerCreditCode, 专业/specialties,
 * 利害关系单位/conflicts, 账号/username. Lists (specialties, conflicts) are separated by ; ， 、 or
 * spaces. Optional columns: employerName, employerCreditCode, conflicts, username.
 */
import { appendTrace } from '@ggzy/audit';
import { sha256Hex } from '@ggzy/crypto';
import { AppError } from '@ggzy/domain';
import { parse } from 'csv-parse/sync';
import { actorOf } from '../context';
import { regionScope } from '../directory/region-scope';
import { checkExpertFields, expertFieldsSchema, insertExperts, type ExpertFields, type PoolCall } from './pool';

const COLUMNS: Record<string, keyof ExpertFields> = {
  姓名: 'name',
  name: 'name',
  身份证号: 'idNumber',
  身份证号码: 'idNumber',
  idnumber: 'idNumber',
  职称: 'title',
  title: 'title',
  地区: 'regionCode',
  地区代码: 'regionCode',
  regioncode: 'regionCode',
  工作单位: 'employerName',
  employername: 'employerName',
  统一社会信用代码: 'employerCreditCode',
  单位统一社会信用代码: 'employerCreditCode',
  employercreditcode: 'employerCreditCode',
  专业: 'specialties',
  专业代码: 'specialties',
  specialties: 'specialties',
  利害关系单位: 'conflicts',
  回避单位: 'conflicts',
  conflicts: 'conflicts',
  账号: 'username',
  username: 'username',
};
const REQUIRED: Array<keyof ExpertFields> = ['name', 'idNumber', 'title', 'regionCode', 'specialties'];
const LIST = /[;；,，、\s]+/;
/** Problems listed in the refusal's message; the count says how many there were in all. */
const SHOWN = 50;
export const MAX_IMPORT_ROWS = 10_000;

interface RowProblem {
  row: number;
  zh: string;
  en: string;
}

function refuse(problems: RowProblem[], rows: number): AppError {
  const shown = problems.slice(0, SHOWN);
  const more = problems.length - shown.length;
  return new AppError(
    'INVALID_INPUT',
    {
      zh: `导入文件有 ${problems.length} 处错误，未导入任何专家：${shown.map((p) => (p.row ? `第 ${p.row} 行：${p.zh}` : p.zh)).join('；')}${more ? `；另有 ${more} 处` : ''}`,
      en: `The file has ${problems.length} problem(s); no expert was imported: ${shown.map((p) => (p.row ? `row ${p.row}: ${p.en}` : p.en)).join('; ')}${more ? `; and ${more} more` : ''}`,
    },
    { reason: 'import-rejected', problems: problems.length, rows, firstRow: problems[0]?.row ?? null },
  );
}

const split = (message: string) => {
  const at = message.indexOf(' / ');
  return at < 0 ? { zh: message, en: message } : { zh: message.slice(0, at), en: message.slice(at + 3) };
};

const FIELD_LABEL: Partial<Record<string, string>> = {
  name: '姓名',
  idNumber: '身份证号',
  title: '职称',
  regionCode: '地区',
  employerName: '工作单位',
  employerCreditCode: '统一社会信用代码',
  specialties: '专业',
  conflicts: '利害关系单位',
  username: '账号',
};

/** Reads the file into validated rows, or lists every problem (row numbers are the file's lines, the header is row 1). */
export function parseExpertCsv(content: string): { rows: Array<{ row: number; fields: ExpertFields }>; problems: RowProblem[] } {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(content, { bom: true, info: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    const message = error instanceof Error ? error.message : String(error);
    return { rows: [], problems: [{ row: line, zh: `文件不是有效的 CSV（${message}）`, en: `the file is not valid CSV (${message})` }] };
  }
  if (records.length === 0) return { rows: [], problems: [{ row: 0, zh: '文件为空', en: 'the file is empty' }] };
  const [header, ...body] = records;
  const problems: RowProblem[] = [];
  const columns = header!.record.map((h) => COLUMNS[h.replace(/\s+/g, '').toLowerCase()] ?? COLUMNS[h.trim()]);
  header!.record.forEach((h, i) => {
    if (!columns[i]) problems.push({ row: 1, zh: `不认识的列“${h}”`, en: `unknown column "${h}"` });
  });
  for (const need of REQUIRED) {
    if (!columns.includes(need)) problems.push({ row: 1, zh: `缺少“${FIELD_LABEL[need]}”列`, en: `the column ${need} is missing` });
  }
  if (new Set(columns).size !== columns.length) problems.push({ row: 1, zh: '有重复的列', en: 'a column appears twice' });
  if (problems.length) return { rows: [], problems };
  if (body.length === 0) return { rows: [], problems: [{ row: 0, zh: '文件中没有专家', en: 'the file lists no expert' }] };
  if (body.length > MAX_IMPORT_ROWS) return { rows: [], problems: [{ row: 0, zh: `一次最多导入 ${MAX_IMPORT_ROWS} 名专家`, en: `at most ${MAX_IMPORT_ROWS} experts per file` }] };

  const rows: Array<{ row: number; fields: ExpertFields }> = [];
  for (const { record, info } of body) {
    const raw: Record<string, unknown> = {};
    columns.forEach((key, i) => {
      const cell = record[i] ?? '';
      if (key === 'specialties' || key === 'conflicts') raw[key] = cell === '' ? [] : cell.split(LIST).filter(Boolean);
      else if (cell !== '' || key === 'name' || key === 'idNumber' || key === 'title' || key === 'regionCode') raw[key!] = cell;
    });
    const parsed = expertFieldsSchema.safeParse(raw);
    if (parsed.success) {
      rows.push({ row: info.lines, fields: parsed.data });
    } else {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        const { zh, en } = split(issue.message);
        problems.push({ row: info.lines, zh: `${FIELD_LABEL[field] ? `${FIELD_LABEL[field]}：` : ''}${zh}`, en: `${field ? `${field}: ` : ''}${en}` });
      }
    }
  }
  return { rows, problems };
}

export async function importExperts(call: PoolCall & { content: string }) {
  const parsed = parseExpertCsv(call.content);
  if (parsed.problems.length) throw refuse(parsed.problems, parsed.rows.length);
  return call.db.transaction(async (tx) => {
    const scope = await regionScope(tx, call.account.regionCode);
    const fields = parsed.rows.map((r) => r.fields);
    const problems = (await checkExpertFields(tx, fields, { scope })).map((p) => ({ row: parsed.rows[p.index]!.row, zh: p.zh, en: p.en.replace(/entry (\d+)/g, (_, n) => `row ${parsed.rows[Number(n) - 1]!.row}`) }));
    // The entry numbers of duplicate messages are the file's rows.
    for (const p of problems) p.zh = p.zh.replace(/第 (\d+) 条/g, (_, n) => `第 ${parsed.rows[Number(n) - 1]!.row} 行`);
    if (problems.length) throw refuse(problems, parsed.rows.length);
    const ids = await insertExperts(tx, fields, call.account.accountId);
    await appendTrace(tx, actorOf(call.request, call.account), {
      action: 'expert.import',
      targetType: 'expert-pool',
      targetId: call.account.regionCode,
      digests: { file: sha256Hex(call.content) },
      details: { experts: String(ids.length) },
    });
    return { imported: ids.length, ids };
  });
}
