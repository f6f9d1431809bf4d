// P4 (bench:sfu) instrumentation for Hawker's own viewer page, injected before the page's scripts. It changes nothing
// the page does; it timestamps each stage of a viewer's join on the page's clock (ms since navigation start) in
// window.__hawkerProbe.marks:
//   connect    the Socket.IO WebSocket is opened: the viewer starts joining (room:join and media:watch)
//   transport  mediasoup-client creates its first RTCPeerConnection (device.load): the media start was answered
//   consumed   its first 'track' event: the consumer made locally (media:watch's, else media:consume's)
//   ice        ICE connected
//   dtls       DTLS connected (connectionState 'connected'): the SFU may now send media
//   keyframe   last packet of the first decoded frame received (requestVideoFrameCallback's receiveTime)
//   frame      that frame decoded and handed to the compositor (requestVideoFrameCallback)
//   decoded    getStats framesDecoded > 0, polled every 20 ms: a cross-check of `frame` that needs no rendering
//   wsOpen     the WebSocket's 'open' event (the socket.io handshake follows on it)
// window.__hawkerProbe.srtpCipher, the SRTP suite of the viewer's transport, and window.__hawkerProbe.frames, the
// first socket.io frames each way (ms, direction, first bytes): where the signaling's time goes. The page's start
// (Resource Timing of the HTML, style and scripts; the page's own `hawker:` performance marks) is read by
// window.__hawkerProbe.timing() once the run is over.
// Plain JavaScript on purpose: Playwright ships it to the page as is.
(() => {
  const marks = {};
  const mark = (name, at = performance.now()) => {
    if (!(name in marks)) marks[name] = at;
  };
  const frames = [];
  const frame = (dir, data) => {
    if (frames.length < 24) frames.push([Math.round(performance.now()), dir, typeof data === 'string' ? data.slice(0, 48) : '(binary)']);
  };
  // What the page waited for before its socket: the document, its style sheet and scripts (responseEnd: the last byte
  // in), and the marks the room page sets itself (`hawker:script` its first script running, `hawker:join` the join).
  const timing = () => {
    const nav = performance.getEntriesByType('navigation')[0];
    const out = {};
    if (nav) {
      out['html responseStart'] = nav.responseStart;
      out['html responseEnd'] = nav.responseEnd;
      out['DOM interactive'] = nav.domInteractive;
      out.DOMContentLoaded = nav.domContentLoadedEventStart;
    }
    for (const r of performance.getEntriesByType('resource')) {
      const name = new URL(r.name).pathname.replace(/-[A-Z0-9]{8}\.js$/, '-*.js');
      if (/\.(css|js|json)$|\/api\/media\//.test(name) && !(`${name} responseEnd` in out)) {
        out[`${name} start`] = r.startTime;
        out[`${name} responseEnd`] = r.responseEnd;
      }
    }
    for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('hawker:')) out[m.name] = m.startTime;
    return out;
  };
  window.__hawkerProbe = { marks, frames, timing };

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes('/socket.io/')) return;
      mark('connect');
      this.addEventListener('open', () => mark('wsOpen'));
      this.addEventListener('message', (e) => frame('in', e.data));
    }
    send(data) {
      frame('out', data);
      super.send(data);
    }
  };

  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(config) {
      super(config);
      mark('transport');
      this.addEventListener('track', () => mark('consumed'));
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected' || this.iceConnectionState === 'completed') mark('ice');
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') mark('dtls');
      });
      const poll = setInterval(() => {
        if (this.connectionState === 'closed' || 'decoded' in marks) return clearInterval(poll);
        this.getStats().then(
          (report) => {
            report.forEach((s) => {
              if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) mark('decoded');
              // The SRTP suite DTLS settled on with the SFU: the benchmark's SRTP consumers should use the same.
              if (s.type === 'transport' && s.srtpCipher) window.__hawkerProbe.srtpCipher = s.srtpCipher;
            });
          },
          () => {},
        );
      }, 20);
    }
  };

  // The SDK's player sets video.srcObject when it attaches the consumer's track: ask for that element's first frame.
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    ...srcObject,
    set(value) {
      srcObject.set.call(this, value);
      if (value && this instanceof HTMLVideoElement && !('frame' in marks)) {
        this.requestVideoFrameCallback((now, meta) => {
          if (typeof meta.receiveTime === 'number') mark('keyframe', meta.receiveTime);
          mark('frame', meta.presentationTime ?? now);
        });
      }
    },
  });
})();
