/**
 * The landing page's messages ('landing.'), its HTML's data-i18n attributes included (web/public/index.html).
 *
 * Both languages. Importing this module registers them with lib/i18n.ts, so every module that uses one of these keys
 * imports it itself (test/unit/web/i18n.test.ts checks): a page's bundle then carries exactly the messages its code
 * can show.
 */
import { registerMessages } from '../i18n.ts';

export const en = {
  'landing.docTitle': 'Hawker — live shopping rooms you host yourself',
  'landing.title': 'Live shopping rooms, on your own server.',
  'landing.intro':
    'Creators stream from the browser, viewers watch with sub-second latency, buy the pinned product and race the flash-sale countdown; agencies moderate every room from one console.',
  'landing.who': 'Who are you?',
  'landing.notSignedIn': 'Not signed in',
  'landing.devNote':
    'This demo signs you in with a development token: pick a name and a role and the server mints a token for it (POST /api/dev/tokens). It is kept in this browser only. Real deployments turn this off (DEV_TOKENS=false) and use their own identity provider.',
  'landing.name': 'Display name',
  'landing.namePlaceholder': 'e.g. Mia Chen',
  'landing.role': 'Role',
  'landing.roleViewer': 'Viewer — watch, chat, buy',
  'landing.roleCreator': 'Creator — go live, sell',
  'landing.roleModerator': 'Moderator — agency console',
  'landing.roleAgency': 'Agency owner — agency console',
  'landing.roleMerchant': 'Merchant — shop and products (REST API)',
  'landing.agencyId': 'Agency id',
  'landing.userId': 'User id (optional)',
  'landing.userIdPlaceholder': 'from your name',
  'landing.getToken': 'Get a dev token',
  'landing.pages': 'Pages',
  'landing.studioText':
    'Camera preview, go live and end, pin products, launch flash sales, moderate chat, watch viewers, likes, orders and GMV live.',
  'landing.studioGo': 'Open the studio →',
  'landing.roomTitle': 'Viewer room',
  'landing.roomText':
    'Watch the stream, chat with flying comments, see the pinned product, buy during the flash sale and follow your order until it is paid. Pick a live below.',
  'landing.roomGo': 'See who is live ↓',
  'landing.consoleText':
    'Every live room of your agency on one screen: thumbnails, counters and chat; delete, mute, ban and keyword lists; per-room and total GMV.',
  'landing.consoleGo': 'Open the console →',
  'landing.liveNow': 'Live now',
  'landing.refresh': 'Refresh',
  'landing.signInToSee': 'Sign in to see who is live.',
  'landing.nobodyLive': 'Nobody is live right now. Sign in as a creator and go live from the studio.',
  'landing.with': 'with {name}',
  'landing.watch': 'Watch',
  'landing.tokensTitle': 'Getting a dev token yourself',
  'landing.tokensText': 'Scripts and SDK clients get tokens the same way this page does:',
  'landing.rolesText':
    "Roles: viewer watches, chats and buys; creator owns rooms; moderator and agency (owner) act on every room of their agency's creators. See docs/sdk.md for the client SDK.",
  'landing.nameFirst': 'Enter a display name first.',
  'landing.noDevTokens':
    'This server does not hand out development tokens (DEV_TOKENS=false). Sign in through your platform, or ask its operator for a token.',
} as const;

export const zh: Record<keyof typeof en, string> = {
  'landing.docTitle': 'Hawker — 自建服务器上的直播购物间',
  'landing.title': '直播购物间，运行在你自己的服务器上。',
  'landing.intro': '主播在浏览器里开播，观众以亚秒级延迟观看，购买讲解中的商品、抢秒杀；机构在一个控制台里管理所有直播间。',
  'landing.who': '你是谁？',
  'landing.notSignedIn': '未登录',
  'landing.devNote':
    '本演示用开发令牌登录：选一个名字和角色，服务器会为它签发令牌（POST /api/dev/tokens），令牌只保存在本浏览器中。正式部署会关闭此功能（DEV_TOKENS=false），改用自己的身份系统。',
  'landing.name': '显示名称',
  'landing.namePlaceholder': '例如 Mia Chen',
  'landing.role': '角色',
  'landing.roleViewer': '观众 — 观看、评论、购买',
  'landing.roleCreator': '主播 — 开播、带货',
  'landing.roleModerator': '场控 — 机构控制台',
  'landing.roleAgency': '机构负责人 — 机构控制台',
  'landing.roleMerchant': '商家 — 店铺和商品（REST API）',
  'landing.agencyId': '机构 ID',
  'landing.userId': '用户 ID（可选）',
  'landing.userIdPlaceholder': '默认取自名称',
  'landing.getToken': '获取开发令牌',
  'landing.pages': '页面',
  'landing.studioText': '摄像头预览、开播和下播、讲解商品、发起秒杀、管理评论，实时查看观众、点赞、订单和成交额。',
  'landing.studioGo': '打开主播工作台 →',
  'landing.roomTitle': '观众直播间',
  'landing.roomText': '观看直播、发弹幕、查看讲解中的商品、秒杀时下单，并跟踪订单直到支付完成。在下方选一场直播。',
  'landing.roomGo': '看看谁在直播 ↓',
  'landing.consoleText': '一屏查看机构所有直播间：画面、数据和评论；删除、禁言、封禁和关键词；单场和总成交额。',
  'landing.consoleGo': '打开控制台 →',
  'landing.liveNow': '正在直播',
  'landing.refresh': '刷新',
  'landing.signInToSee': '登录后查看谁在直播。',
  'landing.nobodyLive': '现在没有人在直播。以主播身份登录，在工作台开播吧。',
  'landing.with': '主播 {name}',
  'landing.watch': '观看',
  'landing.tokensTitle': '自己获取开发令牌',
  'landing.tokensText': '脚本和 SDK 客户端获取令牌的方式与本页相同：',
  'landing.rolesText':
    '角色：viewer（观众）观看、评论和购买；creator（主播）拥有直播间；moderator（场控）和 agency（机构负责人）可管理机构旗下主播的所有直播间。客户端 SDK 见 docs/sdk.md。',
  'landing.nameFirst': '请先填写显示名称。',
  'landing.noDevTokens': '此服务器不签发开发令牌（DEV_TOKENS=false）。请通过你的平台登录，或向运营方索取令牌。',
};

registerMessages(en, zh);
