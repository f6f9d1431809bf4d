/**
 * What the agency's two staff pages, the console and the agency admin, both show: which agency the page is about
 * ('staff.', lib/staff.ts) and the agency keyword editor ('keywords.', lib/keywords.ts). Each page's own messages are in
 * console.ts and agency.ts, so neither page ships the other's.
 *
 * Both languages. Importing this module registers them with lib/i18n.ts (see console.ts).
 */
import { registerMessages } from '../i18n.ts';

export const en = {
  'staff.whichAgency': 'Which agency?',
  'staff.adminPick': 'Open {page}?agency=<agency id>.',
  'staff.noAgency': 'Your identity has no agency. Sign in again with an agency id.',
  'staff.backHome': 'Back home',
  'keywords.word': 'Keyword',
  'keywords.placeholder': 'word or phrase',
  'keywords.mode': 'What the keyword does',
  'keywords.modeBlock': 'Block',
  'keywords.modeShadow': 'Shadow (only the sender and staff see it)',
  'keywords.block': 'block',
  'keywords.shadow': 'shadow',
  'keywords.addEveryRoom': 'Add to every room',
  'keywords.none': 'No keywords yet.',
  'keywords.remove': 'Remove {word}',
} as const;

export const zh: Record<keyof typeof en, string> = {
  'staff.whichAgency': '哪个机构？',
  'staff.adminPick': '请打开 {page}?agency=<机构 ID>。',
  'staff.noAgency': '你的身份没有所属机构。请带上机构 ID 重新登录。',
  'staff.backHome': '返回首页',
  'keywords.word': '关键词',
  'keywords.placeholder': '词或短语',
  'keywords.mode': '关键词的作用',
  'keywords.modeBlock': '拦截',
  'keywords.modeShadow': '隐藏（仅发送者和工作人员可见）',
  'keywords.block': '拦截',
  'keywords.shadow': '隐藏',
  'keywords.addEveryRoom': '添加到所有直播间',
  'keywords.none': '暂无关键词。',
  'keywords.remove': '删除 {word}',
};

registerMessages(en, zh);
