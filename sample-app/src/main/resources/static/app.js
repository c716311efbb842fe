// Status page of the persistent-connection sample: no build step, no libraries.
(function () {
  'use strict';

  const MAX_TIMELINE = 200;
  let lastSeq = 0;
  let refreshPending = false;
  const countdowns = {};   // name -> { until: local ms when the next attempt is due, outageStart: local ms }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach(child => node.appendChild(child));
    return node;
  }

  function time(iso) {
    if (!iso || iso === 'null') return '';
    const date = new Date(iso);
    return isNaN(date) ? iso : date.toLocaleTimeString([], { hour12: false }) + '.' +
        String(date.getMilliseconds()).padStart(3, '0');
  }

  // --- snapshot -------------------------------------------------------------------------------------------------

  function renderServer(server) {
    const state = document.getElementById('server-state');
    state.textContent = server.running ? 'RUNNING' : 'STOPPED';
    state.className = 'badge ' + state.textContent;
    document.getElementById('server-address').textContent = server.address;
    document.getElementById('server-clients').textContent = server.clients;
    document.getElementById('stop-server').disabled = !server.running;
    document.getElementById('start-server').disabled = server.running;
  }

  function renderConnections(connections) {
    const body = document.querySelector('#connections tbody');
    connections.forEach(c => {
      let row = document.getElementById('row-' + c.name);
      if (!row) {
        row = el('tr', { id: 'row-' + c.name, 'data-connection': c.name });
        ['name', 'server', 'phase', 'address', 'error', 'failures', 'attempts', 'disconnects', 'retry', 'next',
          'outage', 'since', 'drop']
            .forEach(col => row.appendChild(el('td', { id: col + '-' + c.name, class: col })));
        const drop = el('button', { type: 'button', class: 'small', text: 'drop', title: 'POST /actuator/persistentconnections/' + c.name });
        drop.addEventListener('click', () => post('actuator/persistentconnections/' + encodeURIComponent(c.name)));
        row.querySelector('td.drop').appendChild(drop);
        const retry = el('button', { type: 'button', class: 'small', text: 'retry now',
          id: 'retry-' + c.name, title: 'POST /actuator/persistentconnections/' + c.name + '/retry-now' });
        retry.addEventListener('click', () =>
            post('actuator/persistentconnections/' + encodeURIComponent(c.name) + '/retry-now'));
        row.querySelector('td.drop').appendChild(retry);
        body.appendChild(row);
      }
      const set = (col, text) => { document.getElementById(col + '-' + c.name).textContent = text; };
      set('name', c.name);
      set('server', c.serverName);
      const phase = document.getElementById('phase-' + c.name);
      phase.replaceChildren(el('span', { class: 'badge ' + c.phase, text: c.phase }));
      phase.setAttribute('data-phase', c.phase);
      set('address', c.address || '');
      set('error', c.lastError || '');
      set('failures', c.consecutiveFailures);
      set('attempts', c.successfulAttempts + ' / ' + c.failedAttempts);
      set('disconnects', c.disconnects);
      const duration = text => text.replace(/^PT/, '').toLowerCase();
      set('retry', duration(c.retryDelay) + (c.backoffMultiplier > 1
          ? ' \u00d7' + c.backoffMultiplier + ' \u2264' + duration(c.backoffMaxDelay) : ''));
      set('since', time(c.since));
      const now = Date.now();
      countdowns[c.name] = {
        until: c.untilNextAttemptMillis == null ? null : now + c.untilNextAttemptMillis,
        outageStart: c.outageMillis == null ? null : now - c.outageMillis
      };
      document.getElementById('retry-' + c.name).disabled = c.untilNextAttemptMillis == null;
    });
    tick();
  }

  function seconds(ms) {
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    const s = Math.floor(ms / 1000);
    return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
  }

  // The countdown and the outage duration move between two snapshots.
  function tick() {
    const now = Date.now();
    Object.entries(countdowns).forEach(([name, c]) => {
      const next = document.getElementById('next-' + name);
      const outage = document.getElementById('outage-' + name);
      if (!next || !outage) return;
      next.textContent = c.until == null ? '' : (c.until <= now ? 'now' : 'in ' + seconds(c.until - now));
      outage.textContent = c.outageStart == null ? '' : seconds(now - c.outageStart);
    });
  }

  function renderTasks(tasks) {
    const list = document.getElementById('tasks');
    list.replaceChildren(...tasks.slice(0, 10).map(t => el('li', { class: t.ok ? 'k-Task_ok' : 'k-Task_failed' }, [
      el('span', { class: 'time', text: time(t.at) }),
      el('span', { text: '#' + t.number + ' ' + t.task + ' \u2192 ' + t.message })
    ])));
  }

  function renderEcho(echo) {
    const node = document.getElementById('echo');
    if (!echo) { node.textContent = '\u2013'; return; }
    node.textContent = echo.error
        ? time(echo.at) + '  ' + echo.sent + ' \u2192 ' + echo.error
        : time(echo.at) + '  ' + echo.sent + ' \u2192 "' + echo.reply + '" in ' + (echo.micros / 1000).toFixed(1) + ' ms';
    node.className = 'mono ' + (echo.error ? 'k-Task_failed' : 'k-Task_ok');
  }

  async function refresh() {
    if (refreshPending) return;
    refreshPending = true;
    try {
      const response = await fetch('api/status', { cache: 'no-store' });
      if (response.ok) {
        const status = await response.json();
        renderServer(status.quoteServer);
        renderConnections(status.connections);
        renderTasks(status.tasks);
        renderEcho(status.echo);
      }
    } catch (e) {
      document.getElementById('feed-state').textContent = 'app unreachable';
    } finally {
      refreshPending = false;
    }
  }

  async function post(path) {
    const message = document.getElementById('server-message');
    message.textContent = '';
    try {
      const response = await fetch(path, { method: 'POST' });
      if (!response.ok) message.textContent = 'POST ' + path + ': HTTP ' + response.status;
    } catch (e) {
      message.textContent = 'POST ' + path + ': ' + e;
    }
    refresh();
  }

  // --- live timeline --------------------------------------------------------------------------------------------

  function addToTimeline(event) {
    const list = document.getElementById('timeline');
    const who = event.type === 'server' ? 'quote-server' : event.connection;
    const item = el('li', { class: 'k-' + event.kind, 'data-kind': event.kind, 'data-connection': who || '' }, [
      el('span', { class: 'time', text: time(event.time) }),
      el('span', { class: 'name', text: who || '' }),
      el('span', { text: event.kind + (event.detail ? '  ' + event.detail : '') })
    ]);
    item.title = item.textContent;
    list.insertBefore(item, list.firstChild);
    while (list.children.length > MAX_TIMELINE) list.removeChild(list.lastChild);
  }

  function onFeed(message) {
    const event = JSON.parse(message.data);
    if (event.seq <= lastSeq) return;   // replayed after a reconnect
    lastSeq = event.seq;
    if (event.type === 'task') {
      refresh();
    } else {
      addToTimeline(event);
      refresh();
    }
  }

  function connectFeed() {
    const state = document.getElementById('feed-state');
    const source = new EventSource('api/events');
    source.onopen = () => { state.textContent = 'live'; state.className = 'pill live'; };
    source.onerror = () => { state.textContent = 'reconnecting\u2026'; state.className = 'pill'; };
    ['connection', 'server', 'task'].forEach(type => source.addEventListener(type, onFeed));
  }

  document.getElementById('stop-server').addEventListener('click', () => post('api/quote-server/stop'));
  document.getElementById('start-server').addEventListener('click', () => post('api/quote-server/start'));
  refresh();
  setInterval(refresh, 1000);
  setInterval(tick, 100);
  connectFeed();
})();
