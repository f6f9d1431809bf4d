/**
 * The pages' languages: Simplified Chinese and English. The language is the one the visitor chose (remembered in
 * localStorage), else the browser's first preference that we speak, else English. Switching reloads the page, so
 * every string on it is rendered once, in one language. Numbers, money and times go through `Intl` in the same
 * locale (lib/format.ts).
 */

import * as studioMessages from './messages/studio.ts';
import * as consoleMessages from './messages/console.ts';
import * as clipsMessages from './messages/clips.ts';
import * as centreMessages from './messages/centre.ts';
import * as crowdMessages from './messages/crowd.ts';

export type Locale = 'en' | 'zh-CN';
export const LOCALES: readonly Locale[] = ['en', 'zh-CN'];
/** What each language is called in itself (the switcher shows these). */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' };

const KEY = 'hawker.locale';

const base = {
  'nav.home': 'Home',
  'nav.studio': 'Creator studio',
  'nav.console': 'Agency console',
  'nav.orders': 'My orders',
  'nav.signIn': 'Sign in',
  'nav.signOut': 'Sign out',
  'nav.language': 'Language',
  'role.viewer': 'viewer',
  'role.creator': 'creator',
  'role.moderator': 'moderator',
  'role.agency': 'agency',
  'role.merchant': 'merchant',
  'role.admin': 'admin',
  'room.joining': 'Joining the room…',
  'room.noRoom': 'No room chosen',
  'room.noRoomHint': 'Open a live from the list on the home page.',
  'room.seeLive': 'See who is live',
  'room.findAnother': 'Find another live',
  'room.cannotJoin': 'Cannot join this live',
  'room.video': 'Live video',
  'room.live': 'Live',
  'room.soon': 'Starting soon',
  'room.ended': 'Ended',
  'room.endedTitle': 'This live has ended',
  'room.kickedTitle': 'You were removed from this live',
  'room.leftTitle': 'You left this live',
  'room.closedHint': '{reason}. Find another live on the home page.',
  'room.reconnecting': 'Not connected: reconnecting… Chat and buying resume when the connection is back.',
  'room.unmute': 'Tap to unmute',
  'room.like': 'Like',
  'room.viewers': '{n} watching',
  'room.connectingVideo': 'Connecting to the video…',
  'room.paused': 'The creator paused the camera. Stay tuned.',
  'room.settingUp': 'The creator is setting up the camera…',
  'room.gettingReady': 'The creator is getting ready. The video starts as soon as they go live.',
  'room.chat': 'Live chat',
  'chat.placeholder': 'Say something…',
  'chat.label': 'Chat message',
  'chat.send': 'Send',
  'chat.empty': 'No messages yet. Say hi!',
  'chat.muted': 'You are muted in this chat until {time}. You can still watch and shop.',
  'chat.slow': 'Slow mode: one message every {s} s.',
  'shop.bag': 'Products',
  'shop.bagTitle': 'Products in this live',
  'shop.bagEmpty': 'No products in this live yet.',
  'shop.orders': 'My orders',
  'shop.ordersEmpty': 'No orders yet. Tap a product to buy.',
  'shop.allOrders': 'All my orders',
  'shop.close': 'Close',
  'shop.back': 'Back',
  'shop.nowExplaining': 'NOW EXPLAINING',
  'shop.left': '{n} left',
  'shop.soldOut': 'Sold out',
  'shop.soldOutLower': 'sold out',
  'shop.buy': 'Buy',
  'shop.view': 'View',
  'shop.saleEndsIn': 'FLASH SALE · ends in',
  'shop.saleStartsIn': 'FLASH SALE · starts in',
  'shop.saleEnded': 'Flash sale ended',
  'shop.saleBuy': 'Buy now · {price}',
  'shop.saleSoon': 'Starts soon',
  'shop.was': 'was {price}',
  'shop.saleStock': '{title} · {left} of {quantity} left',
  'shop.saleSoldOut': '{title} · sold out',
  'shop.saleLimit': 'Limit {n} per person',
  'shop.saleTag': 'Flash sale {price} · {time}',
  'shop.choose': 'Choose',
  'shop.quantity': 'Quantity',
  'shop.less': 'One less',
  'shop.more': 'One more',
  'shop.maxQty': 'Up to {n}',
  'shop.total': 'Total',
  'shop.buyNow': 'Buy now',
  'shop.noDescription': 'No description.',
  'shop.checkout': 'Confirm your order',
  'shop.pay': 'Confirm and pay {total}',
  'shop.sandboxNote': 'Test payment: no real money moves.',
  'shop.tryAgain': 'Try again',
  'shop.done': 'Done',
  'shop.keepShopping': 'Keep shopping',
  'shop.qtyLine': '{label} × {n}',
  'order.reserved': 'Reserved for you',
  'order.pending_payment': 'Paying…',
  'order.paid': 'Paid',
  'order.failed': 'Payment failed',
  'order.expired': 'Expired (not paid in time)',
  'order.cancelled': 'Cancelled',
  'order.step.reserved': 'Reserved',
  'order.step.paying': 'Paying',
  'order.step.paid': 'Paid',
  'reason.card_declined': 'Your card was declined. Try again or use another card.',
  'reason.insufficient_funds': 'The card has insufficient funds. Try another card.',
  'reason.gateway': 'The payment service did not answer. Nothing was charged; try again.',
  'reason.expired': 'The payment window ran out before the payment went through. Nothing was charged.',
  'reason.cancelled': 'The order was cancelled.',
  'reason.other': 'The payment did not go through ({reason}).',
  'err.soldOut': 'Sold out! Keep watching: the creator may restock or start another sale.',
  'err.insufficient': 'Not enough left for that many. Try a smaller quantity.',
  'err.limit': 'You reached the limit per buyer for this item.',
  'err.notStarted': 'The flash sale has not started yet. Wait for the countdown.',
  'err.saleEnded': 'The flash sale has ended.',
  'err.generic': 'Something went wrong ({message}). Reload the page and try again.',
  'err.unauthenticated': 'Your sign-in expired or is invalid. Sign in again on the home page.',
  'err.notFound': '{message}. Check the link, or pick a room from the home page.',
  'err.rateLimited': 'Slow down a little: try again in {s} s.',
  'err.notConnected': 'Not connected to the server. Check your network; the page reconnects by itself.',
  'err.timeout': 'The server did not answer in time. Check your network and try again.',
  'err.closed': 'This room is closed. Go back to the home page to find another live.',
  'err.unavailable': 'The server is busy or restarting. Try again in a few seconds.',
  'err.badRequest': '{message}. Fix the highlighted value and try again.',
  'auth.signInFirst': 'Sign in first',
  'auth.needRole': 'The {what} needs a {roles} identity. Pick a name and role on the home page (development tokens), then come back.',
  'auth.wrongRoleTitle': 'This page is for {roles} accounts',
  'auth.wrongRole': 'You are signed in as {name} ({role}). Sign in with a {roles} role to use the {what}.',
  'auth.switch': 'Switch identity',
  'auth.or': ' or ',
  'page.room': 'viewer room',
  'page.orders': 'orders page',
  'orders.title': 'My orders',
  'orders.intro': 'Every order you placed, in any live or shop, as the ledger records it.',
  'orders.empty': 'No orders yet. Find a live on the home page and buy something.',
  'orders.cancel': 'Cancel',
  'orders.cancelConfirm': 'Tap again to cancel',
  'orders.cancelled': 'Order cancelled; its stock went back.',
  'orders.confirmReceipt': 'Confirm receipt',
  'orders.confirmReceiptAgain': 'Tap again to confirm you received it',
  'orders.received': 'Thanks: the order is complete.',
  'orders.more': 'Show more',
  'orders.openLive': 'Open the live',
  'orders.payBy': 'Pay by {time}',
  'orders.placed': 'Placed {time}',
} as const;

/** English: the base messages and every page family's (lib/messages/). */
const en = {
  ...base,
  ...studioMessages.en,
  ...consoleMessages.en,
  ...clipsMessages.en,
  ...centreMessages.en,
  ...crowdMessages.en,
};

export type MessageKey = keyof typeof en;

const baseZh: Record<keyof typeof base, string> = {
  'nav.home': '首页',
  'nav.studio': '主播工作台',
  'nav.console': '机构控制台',
  'nav.orders': '我的订单',
  'nav.signIn': '登录',
  'nav.signOut': '退出',
  'nav.language': '语言',
  'role.viewer': '观众',
  'role.creator': '主播',
  'role.moderator': '场控',
  'role.agency': '机构',
  'role.merchant': '商家',
  'role.admin': '管理员',
  'room.joining': '正在进入直播间…',
  'room.noRoom': '未选择直播间',
  'room.noRoomHint': '请在首页的列表中打开一场直播。',
  'room.seeLive': '看看谁在直播',
  'room.findAnother': '换一场直播',
  'room.cannotJoin': '无法进入这场直播',
  'room.video': '直播画面',
  'room.live': '直播中',
  'room.soon': '即将开播',
  'room.ended': '已结束',
  'room.endedTitle': '直播已结束',
  'room.kickedTitle': '你已被移出直播间',
  'room.leftTitle': '你已离开直播间',
  'room.closedHint': '{reason}。去首页看看其他直播。',
  'room.reconnecting': '连接已断开，正在重连…连接恢复后即可继续聊天和购物。',
  'room.unmute': '点击开启声音',
  'room.like': '点赞',
  'room.viewers': '{n} 人在看',
  'room.connectingVideo': '正在连接画面…',
  'room.paused': '主播暂时关闭了摄像头，请稍候。',
  'room.settingUp': '主播正在调试摄像头…',
  'room.gettingReady': '主播正在准备，开播后画面会自动出现。',
  'room.chat': '直播评论',
  'chat.placeholder': '说点什么…',
  'chat.label': '评论内容',
  'chat.send': '发送',
  'chat.empty': '还没有评论，来打个招呼吧！',
  'chat.muted': '你已被禁言至 {time}，仍可观看和购物。',
  'chat.slow': '慢速模式：每 {s} 秒可发一条。',
  'shop.bag': '商品',
  'shop.bagTitle': '本场直播的商品',
  'shop.bagEmpty': '本场直播暂无商品。',
  'shop.orders': '我的订单',
  'shop.ordersEmpty': '还没有订单，点商品即可购买。',
  'shop.allOrders': '查看全部订单',
  'shop.close': '关闭',
  'shop.back': '返回',
  'shop.nowExplaining': '正在讲解',
  'shop.left': '剩 {n} 件',
  'shop.soldOut': '已售罄',
  'shop.soldOutLower': '已售罄',
  'shop.buy': '购买',
  'shop.view': '查看',
  'shop.saleEndsIn': '限时秒杀 · 距结束',
  'shop.saleStartsIn': '限时秒杀 · 距开始',
  'shop.saleEnded': '秒杀已结束',
  'shop.saleBuy': '立即抢购 · {price}',
  'shop.saleSoon': '即将开始',
  'shop.was': '原价 {price}',
  'shop.saleStock': '{title} · 剩 {left}/{quantity} 件',
  'shop.saleSoldOut': '{title} · 已售罄',
  'shop.saleLimit': '每人限购 {n} 件',
  'shop.saleTag': '秒杀价 {price} · {time}',
  'shop.choose': '选择',
  'shop.quantity': '数量',
  'shop.less': '减少一件',
  'shop.more': '增加一件',
  'shop.maxQty': '最多 {n} 件',
  'shop.total': '合计',
  'shop.buyNow': '立即购买',
  'shop.noDescription': '暂无商品介绍。',
  'shop.checkout': '确认订单',
  'shop.pay': '确认支付 {total}',
  'shop.sandboxNote': '测试支付：不会产生真实扣款。',
  'shop.tryAgain': '重试',
  'shop.done': '完成',
  'shop.keepShopping': '继续逛逛',
  'shop.qtyLine': '{label} × {n}',
  'order.reserved': '已为你锁定库存',
  'order.pending_payment': '支付中…',
  'order.paid': '已支付',
  'order.failed': '支付失败',
  'order.expired': '已过期（未按时支付）',
  'order.cancelled': '已取消',
  'order.step.reserved': '已锁定',
  'order.step.paying': '支付中',
  'order.step.paid': '已支付',
  'reason.card_declined': '银行卡被拒绝。请重试或换一张卡。',
  'reason.insufficient_funds': '卡内余额不足，请换一张卡。',
  'reason.gateway': '支付服务没有响应，未扣款，请重试。',
  'reason.expired': '支付时间已到，付款未完成，未扣款。',
  'reason.cancelled': '订单已取消。',
  'reason.other': '支付未成功（{reason}）。',
  'err.soldOut': '已抢光！继续看直播，主播可能会补货或开启新的秒杀。',
  'err.insufficient': '库存不足，请减少数量。',
  'err.limit': '已达到该商品的每人限购数量。',
  'err.notStarted': '秒杀还没开始，请等倒计时结束。',
  'err.saleEnded': '秒杀已结束。',
  'err.generic': '出错了（{message}）。请刷新页面后重试。',
  'err.unauthenticated': '登录已过期或无效，请回到首页重新登录。',
  'err.notFound': '{message}。请检查链接，或在首页选择一个直播间。',
  'err.rateLimited': '操作太快了，请 {s} 秒后再试。',
  'err.notConnected': '未连接到服务器。请检查网络，页面会自动重连。',
  'err.timeout': '服务器未及时响应，请检查网络后重试。',
  'err.closed': '直播间已关闭，请回首页看看其他直播。',
  'err.unavailable': '服务器繁忙或正在重启，请几秒后重试。',
  'err.badRequest': '{message}。请修改后重试。',
  'auth.signInFirst': '请先登录',
  'auth.needRole': '{what}需要{roles}身份。请在首页选择名字和角色（开发令牌）后再回来。',
  'auth.wrongRoleTitle': '此页面仅供{roles}使用',
  'auth.wrongRole': '你当前以 {name}（{role}）登录。请用{roles}身份登录后使用{what}。',
  'auth.switch': '切换身份',
  'auth.or': '或',
  'page.room': '直播间',
  'page.orders': '订单页',
  'orders.title': '我的订单',
  'orders.intro': '你在所有直播间和店铺下的订单（以账本记录为准）。',
  'orders.empty': '还没有订单。去首页找一场直播买点什么吧。',
  'orders.cancel': '取消订单',
  'orders.cancelConfirm': '再点一次确认取消',
  'orders.cancelled': '订单已取消，库存已退回。',
  'orders.confirmReceipt': '确认收货',
  'orders.confirmReceiptAgain': '再点一次确认已收到货',
  'orders.received': '已确认收货，订单已完成。',
  'orders.more': '加载更多',
  'orders.openLive': '打开直播间',
  'orders.payBy': '请在 {time} 前支付',
  'orders.placed': '下单时间 {time}',
};

const zh: Record<MessageKey, string> = {
  ...baseZh,
  ...studioMessages.zh,
  ...consoleMessages.zh,
  ...clipsMessages.zh,
  ...centreMessages.zh,
  ...crowdMessages.zh,
};

/** Every message in every language (exported for the test that checks their placeholders agree). */
export const DICTIONARIES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zh };

/** The best of our locales for a list of browser preferences (`navigator.languages`): any `zh` → zh-CN, else English. */
export function pickLocale(preferences: readonly string[]): Locale {
  for (const p of preferences) {
    const lang = p.toLowerCase();
    if (lang.startsWith('zh')) return 'zh-CN';
    if (lang.startsWith('en')) return 'en';
  }
  return 'en';
}

function detect(): Locale {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved && (LOCALES as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // Storage blocked (privacy mode): fall back to the browser's preference.
  }
  if (typeof navigator === 'undefined') return 'en';
  return pickLocale(navigator.languages?.length ? navigator.languages : [navigator.language ?? 'en']);
}

/** The page's language, fixed for the page's life (switching reloads). */
export const locale: Locale = detect();
if (typeof document !== 'undefined') document.documentElement.lang = locale;

/** `key`'s text in the page's language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = DICTIONARIES[locale][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Remembers `next` as the visitor's language and reloads the page in it. */
export function setLocale(next: Locale): void {
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Not remembered; the reload still shows the browser's language.
  }
  location.reload();
}
