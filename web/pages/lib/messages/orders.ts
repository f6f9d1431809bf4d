/**
 * The orders page's messages ('orders.').
 *
 * Both languages. Importing this module registers them with lib/i18n.ts, so every module that uses one of these keys
 * imports it itself (test/unit/web/i18n.test.ts checks): a page's bundle then carries exactly the messages its code
 * can show.
 */
import { registerMessages } from '../i18n.ts';

export const en = {
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
  'orders.shipped': 'Shipped {time}',
  'orders.delivered': 'Delivered {time}',
  'orders.completed': 'Completed',
  'orders.tracking': '{carrier} tracking {number}',
  'orders.refunded': 'Refunded {amount}',
  'orders.refundedPart': 'Refunded {amount} of {total}',
  'orders.refundOpen': 'Refund requested {time}: waiting for the shop',
  'orders.refundRejected': 'Refund request declined: {reason}',
} as const;

export const zh: Record<keyof typeof en, string> = {
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
  'orders.shipped': '已发货 {time}',
  'orders.delivered': '已送达 {time}',
  'orders.completed': '已完成',
  'orders.tracking': '{carrier} 运单号 {number}',
  'orders.refunded': '已退款 {amount}',
  'orders.refundedPart': '已退款 {amount}（共 {total}）',
  'orders.refundOpen': '{time} 已申请退款，等待商家处理',
  'orders.refundRejected': '退款申请被拒绝：{reason}',
};

registerMessages(en, zh);
