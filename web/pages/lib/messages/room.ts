/**
 * The viewer room's messages ('room.'): joining, the video, the live's state.
 *
 * Both languages. Importing this module registers them with lib/i18n.ts, so every module that uses one of these keys
 * imports it itself (test/unit/web/i18n.test.ts checks): a page's bundle then carries exactly the messages its code
 * can show.
 */
import { registerMessages } from '../i18n.ts';

export const en = {
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
} as const;

export const zh: Record<keyof typeof en, string> = {
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
};

registerMessages(en, zh);
