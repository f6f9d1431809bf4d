// Init script of test/web/room-device-ahead.test.ts, run in the page before its own scripts: counts the page's
// RTCPeerConnections (mediasoup-client's device.load makes one, the receive transport another) and, when the page's
// address ends in #other-caps, hands the page capabilities from GET /api/media/capabilities that differ from the
// router's (the audio codecs left out), as a redeploy between that fetch and the join would. Plain JavaScript:
// Playwright ships it to the page as is.
(() => {
  const probe = { peerConnections: 0 };
  window.__deviceAheadProbe = probe;
  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    constructor(config) {
      super(config);
      probe.peerConnections += 1;
    }
  };
  if (location.hash !== '#other-caps') return;
  const nativeFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const res = await nativeFetch(input, init);
    if (!String(input).endsWith('/api/media/capabilities')) return res;
    const body = await res.json();
    body.routerRtpCapabilities.codecs = body.routerRtpCapabilities.codecs.filter((c) => c.kind !== 'audio');
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
})();
