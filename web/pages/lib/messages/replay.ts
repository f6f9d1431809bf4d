/**
 * An ended room and its replay ('replay.'): lib/endedRoom.ts, lib/summary.ts and lib/replayPlayer.ts, shared by the
 * room, the replay page and the creator studio.
 *
 * Both languages. Importing this module registers them with lib/i18n.ts, so every module that uses one of these keys
 * imports it itself (test/unit/web/i18n.test.ts checks): a page's bundle then carries exactly the messages its code
 * can show.
 */
import { registerMessages } from '../i18n.ts';

export const en = {
  'replay.loading': 'Loading…',
  'replay.replayTitle': 'Replay',
  'replay.replayProblem': 'Playback problem: {details}',
  'replay.replayUnsupported': 'This browser cannot play the replay (no Media Source Extensions)',
  'replay.replayOnlyLive': 'Sold during the live only',
  'replay.replayOrdered': 'Ordered {title}: pay within the reservation window',
  'replay.replayVideo': 'Replay of this live',
  'replay.fullReplay': 'Open the full replay',
  'replay.summary': 'Live summary',
  'replay.sumPeak': 'Peak viewers',
  'replay.sumTotal': 'Total viewers',
  'replay.sumLikes': 'Likes',
  'replay.sumOrders': 'Orders',
  'replay.sumGmv': 'GMV (paid)',
  'replay.sumTop': 'Top products',
  'replay.sumSold': '{n} sold',
  'replay.sumNoSales': 'No paid orders yet.',
  'replay.endedRoomTitle': 'This live has ended',
  'replay.endedRoomHint': 'Its products are still for sale below.',
  'replay.products': 'Products from this live',
  'replay.noProducts': 'This live had no products.',
  'replay.notForSale': 'No longer for sale',
  'replay.follow': 'Follow',
  'replay.following': 'Following',
  'replay.bought': 'Ordered: pay within the time shown in My orders.',
} as const;

export const zh: Record<keyof typeof en, string> = {
  'replay.loading': '加载中…',
  'replay.replayTitle': '回放',
  'replay.replayProblem': '播放出错：{details}',
  'replay.replayUnsupported': '此浏览器无法播放回放（不支持 Media Source Extensions）',
  'replay.replayOnlyLive': '仅在直播时销售',
  'replay.replayOrdered': '已下单 {title}：请在锁定时限内付款',
  'replay.replayVideo': '本场直播的回放',
  'replay.fullReplay': '打开完整回放',
  'replay.summary': '直播数据',
  'replay.sumPeak': '最高在线',
  'replay.sumTotal': '累计观看',
  'replay.sumLikes': '点赞',
  'replay.sumOrders': '订单',
  'replay.sumGmv': '成交额（已支付）',
  'replay.sumTop': '热销商品',
  'replay.sumSold': '已售 {n}',
  'replay.sumNoSales': '还没有已支付的订单。',
  'replay.endedRoomTitle': '本场直播已结束',
  'replay.endedRoomHint': '下方商品仍可购买。',
  'replay.products': '本场直播的商品',
  'replay.noProducts': '本场直播没有商品。',
  'replay.notForSale': '已停售',
  'replay.follow': '关注',
  'replay.following': '已关注',
  'replay.bought': '已下单：请在“我的订单”显示的时限内付款。',
};

registerMessages(en, zh);
