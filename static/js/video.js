// The room of an online session (DESIGN.md §12.6): a WebRTC mesh of at most four, signalled
// over /ws/video/{sid}/. Whoever is in the room offers to each newcomer ("joined"); the
// newcomer answers. The mediator's browser records a composite of every tile (canvas +
// mixed audio) with MediaRecorder and uploads WebM chunks as they come, each with its
// Content-Range and SHA-256, once everyone present accepted the recording notice.
(function () {
  "use strict";
  const root = document.getElementById("video-room");
  if (!root) return;
  const L = document.getElementById("video-labels").dataset;
  const statusEl = document.getElementById("video-status");
  const tiles = document.getElementById("video-tiles");
  const message = document.getElementById("video-message");
  const staff = root.dataset.staff === "1";
  const api = root.dataset.api;
  const csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const peers = new Map(); // participant id -> {pc, info, tile}
  const state = { me: null, ice: [], local: null, ws: null, ended: false, screen: null };
  window.videoRoom = { peers: peers, state: state }; // for tests: getStats() per peer

  function setStatus(s, text) {
    statusEl.dataset.state = s;
    if (text) statusEl.textContent = text;
  }
  function say(text) { message.textContent = text; }
  function send(obj) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(obj));
  }

  function tile(id, name, role, stream, local) {
    let el = tiles.querySelector('[data-participant="' + CSS.escape(id) + '"]');
    if (!el) {
      el = document.createElement("figure");
      el.className = "video-tile";
      el.dataset.participant = id;
      const v = document.createElement("video");
      v.autoplay = true;
      v.playsInline = true;
      v.muted = !!local;
      const cap = document.createElement("figcaption");
      cap.textContent = name + "（" + role + "）" + (local ? L.me : "");
      el.append(v, cap);
      if (staff && !local) {
        const mute = document.createElement("button");
        mute.type = "button";
        mute.textContent = L.mute;
        mute.className = "video-mute";
        mute.addEventListener("click", function () { send({ action: "mute", to: id }); });
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = L.remove;
        remove.className = "video-remove danger";
        remove.addEventListener("click", function () { send({ action: "remove", to: id }); });
        el.append(mute, remove);
      }
      tiles.append(el);
    }
    if (stream) el.querySelector("video").srcObject = stream;
    return el;
  }

  function refreshStatus() {
    if (state.ended) return;
    const any = Array.from(peers.values()).some(function (p) {
      return p.pc.connectionState === "connected";
    });
    setStatus(any ? "connected" : "waiting", any ? L.connected : null);
  }

  function peer(id, info) {
    let p = peers.get(id);
    if (p) return p;
    const pc = new RTCPeerConnection({ iceServers: state.ice });
    p = { pc: pc, info: info, tile: tile(id, info.name, info.role, null, false) };
    peers.set(id, p);
    state.local.getTracks().forEach(function (t) { pc.addTrack(t, state.local); });
    pc.onicecandidate = function (e) {
      send({ action: "candidate", to: id, candidate: e.candidate ? e.candidate.toJSON() : null });
    };
    pc.ontrack = function (e) {
      p.tile.querySelector("video").srcObject = e.streams[0];
      if (recorder.mix) recorder.addAudio(e.streams[0]);
    };
    pc.onconnectionstatechange = refreshStatus;
    return p;
  }

  // Two who meet learn of each other from the welcome's list or from "joined", possibly
  // both at once: exactly one of them offers (the smaller id), so offers never cross.
  async function meet(info) {
    const p = peer(info.id, info);
    if (state.me < info.id && !p.offered) {
      p.offered = true;
      const offer = await p.pc.createOffer();
      await p.pc.setLocalDescription(offer);
      send({ action: "offer", to: info.id, sdp: offer.sdp });
    }
  }

  function drop(id) {
    const p = peers.get(id);
    if (!p) return;
    p.pc.close();
    p.tile.remove();
    peers.delete(id);
    refreshStatus();
  }

  async function onMessage(ev) {
    const m = JSON.parse(ev.data);
    if (m.type === "welcome") {
      state.me = m.you;
      state.ice = m.ice_servers || [];
      for (const x of m.participants) {
        if (x.id !== state.me) await meet(x);
      }
    } else if (m.type === "joined") {
      await meet(m.participant);
    } else if (m.type === "offer") {
      const p = peer(m.from, peers.has(m.from) ? peers.get(m.from).info : { name: "", role: "" });
      await p.pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
      const answer = await p.pc.createAnswer();
      await p.pc.setLocalDescription(answer);
      send({ action: "answer", to: m.from, sdp: answer.sdp });
    } else if (m.type === "answer") {
      const p = peers.get(m.from);
      if (p) await p.pc.setRemoteDescription({ type: "answer", sdp: m.sdp });
    } else if (m.type === "candidate") {
      const p = peers.get(m.from);
      if (p && m.candidate) await p.pc.addIceCandidate(m.candidate);
    } else if (m.type === "left") {
      drop(m.participant.id);
    } else if (m.type === "mute") {
      state.local.getAudioTracks().forEach(function (t) { t.enabled = false; });
      document.getElementById("video-mic").setAttribute("aria-pressed", "false");
      say(L.muted);
    } else if (m.type === "removed") {
      end(L.removed);
    } else if (m.type === "error") {
      say(m.detail);
    }
  }

  function end(text) {
    state.ended = true;
    peers.forEach(function (_p, id) { drop(id); });
    if (state.local) state.local.getTracks().forEach(function (t) { t.stop(); });
    setStatus("ended", text || L.ended);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + root.dataset.ws);
    state.ws = ws;
    ws.onopen = function () { send({ action: "join" }); };
    // one message at a time, in order: a candidate must not overtake its offer's
    // setRemoteDescription (it would be refused and the pair might never connect)
    let chain = Promise.resolve();
    ws.onmessage = function (ev) {
      chain = chain.then(function () { return onMessage(ev); }).catch(function (e) { say(String(e)); });
    };
    ws.onclose = function (ev) {
      if (!state.ended) end(ev.code === 4403 ? message.textContent || L.ended : L.ended);
    };
  }

  // -- controls ---------------------------------------------------------------------------
  function toggle(button, tracks) {
    const on = button.getAttribute("aria-pressed") !== "true";
    tracks().forEach(function (t) { t.enabled = on; });
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  document.getElementById("video-camera").addEventListener("click", function (e) {
    toggle(e.currentTarget, function () { return state.local.getVideoTracks(); });
  });
  document.getElementById("video-mic").addEventListener("click", function (e) {
    toggle(e.currentTarget, function () { return state.local.getAudioTracks(); });
  });
  document.getElementById("video-screen").addEventListener("click", async function () {
    if (!navigator.mediaDevices.getDisplayMedia) return;
    const shared = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = shared.getVideoTracks()[0];
    const camera = state.local.getVideoTracks()[0];
    peers.forEach(function (p) {
      p.pc.getSenders().forEach(function (s) {
        if (s.track && s.track.kind === "video") s.replaceTrack(track);
      });
    });
    track.onended = function () {
      peers.forEach(function (p) {
        p.pc.getSenders().forEach(function (s) {
          if (s.track && s.track.kind === "video") s.replaceTrack(camera);
        });
      });
    };
  });
  document.getElementById("video-leave").addEventListener("click", async function () {
    if (recorder.running) await recorder.stop();
    send({ action: "leave" });
    end();
  });
  document.getElementById("video-accept").addEventListener("click", async function () {
    const r = await fetch(root.dataset.consent, {
      method: "POST",
      headers: { "X-CSRFToken": csrf },
      credentials: "same-origin",
    });
    if (r.ok) {
      document.getElementById("video-accept").hidden = true;
      document.getElementById("video-consent-state").hidden = false;
    }
  });

  // -- recording (the mediator's browser) --------------------------------------------------
  const recorder = {
    running: false,
    chunks: 0,
    mix: null,
    queue: Promise.resolve(),
    offset: 0,
    failed: null,
    addAudio: function (stream) {
      if (stream.getAudioTracks().length) {
        this.mix.ctx.createMediaStreamSource(stream).connect(this.mix.dest);
      }
    },
    composite: function () {
      const canvas = document.createElement("canvas");
      canvas.width = 640;
      canvas.height = 480;
      const g = canvas.getContext("2d");
      const ctx = new AudioContext();
      const dest = ctx.createMediaStreamDestination();
      this.mix = { ctx: ctx, dest: dest, canvas: canvas };
      this.addAudio(state.local);
      peers.forEach(function (p) {
        const v = p.tile.querySelector("video");
        if (v.srcObject) recorder.addAudio(v.srcObject);
      });
      const draw = function () {
        if (!recorder.running) return;
        const videos = Array.from(tiles.querySelectorAll("video"));
        const cols = videos.length > 1 ? 2 : 1;
        const rows = Math.ceil(videos.length / cols) || 1;
        const w = canvas.width / cols;
        const h = canvas.height / rows;
        g.fillStyle = "#000";
        g.fillRect(0, 0, canvas.width, canvas.height);
        videos.forEach(function (v, i) {
          if (v.readyState >= 2) g.drawImage(v, (i % cols) * w, Math.floor(i / cols) * h, w, h);
        });
        setTimeout(draw, 100);
      };
      this.running = true;
      draw();
      const out = canvas.captureStream(10);
      dest.stream.getAudioTracks().forEach(function (t) { out.addTrack(t); });
      return out;
    },
    upload: async function (blob) {
      const data = new Uint8Array(await blob.arrayBuffer());
      if (!data.length) return;
      const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      const hex = Array.from(hash, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      const first = this.offset;
      const r = await fetch(api + "recording/", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Range": "bytes " + first + "-" + (first + data.length - 1) + "/*",
          "X-Chunk-SHA256": hex,
          "X-CSRFToken": csrf,
        },
        body: data,
      });
      if (!r.ok) {
        const body = await r.json().catch(function () { return {}; });
        this.failed = body.detail || String(r.status);
        say(this.failed);
        return;
      }
      this.offset += data.length;
      this.chunks += 1;
    },
    start: async function () {
      const room = await (await fetch(api + "video/", { credentials: "same-origin" })).json();
      if (room.missing_consent && room.missing_consent.length) {
        say(L.needConsent + room.missing_consent.join("、"));
        return false;
      }
      const stream = this.composite();
      const rec = new MediaRecorder(stream, { mimeType: "video/webm" });
      this.rec = rec;
      rec.ondataavailable = function (e) {
        recorder.queue = recorder.queue.then(function () { return recorder.upload(e.data); });
      };
      rec.start(2000);
      return true;
    },
    stop: async function () {
      const rec = this.rec;
      const stopped = new Promise(function (resolve) { rec.onstop = resolve; });
      rec.stop();
      await stopped;
      this.running = false;
      await this.queue;
      if (this.failed) return false;
      const r = await fetch(api + "recording/finish/", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf },
      });
      // 202: joined in the background; the room's JSON says when it is filed
      let filed = r.ok ? await r.json() : null;
      if (filed) say(L.assembling);
      while (filed && filed.state === "assembling") {
        await new Promise(function (resolve) { setTimeout(resolve, 1000); });
        const room = await fetch(api + "video/", { credentials: "same-origin" });
        filed = room.ok ? (await room.json()).recording : filed;
      }
      const ok = !!filed && filed.state === "ready";
      if (ok) {
        say(L.saved);
        root.dataset.attachment = String(filed.attachment);
      }
      root.dataset.recording = ok ? "saved" : "failed";
      return ok;
    },
  };
  window.videoRoom.recorder = recorder;
  const recordButton = document.getElementById("video-record");
  if (recordButton) {
    recordButton.addEventListener("click", async function () {
      if (!recorder.running) {
        if (await recorder.start()) {
          recordButton.dataset.recording = "1";
          recordButton.textContent = L.stop;
        }
      } else {
        recordButton.disabled = true;
        await recorder.stop();
        recordButton.dataset.recording = "0";
        recordButton.textContent = L.start;
      }
    });
  }

  navigator.mediaDevices
    .getUserMedia({ video: { width: 640, height: 480 }, audio: true })
    .then(function (stream) {
      state.local = stream;
      tile("me", root.dataset.meName, root.dataset.meRole, stream, true);
      connect();
    })
    .catch(function (e) { say(L.noMedia + e.message); });
})();
