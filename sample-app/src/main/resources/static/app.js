'use strict';

// The live page of the sample app: polls the ha actuator endpoint and the demo's own
// endpoint every second and shows what they say. Every text from the server is inserted
// with textContent, never as HTML.

const POLL_MILLIS = 1000;
const BUCKET_MILLIS = 5000;
const BUCKETS = 24;
const NOTICE_MILLIS = 6000;
const PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626'];
const SVG = 'http://www.w3.org/2000/svg';
// What the chaos buttons say, and what the page tells once one was clicked, for servers
// that are not simply killed and restarted.
const CHAOS_ACTIONS = {
	failover: {
		label: 'Fail over',
		title: 'crash the primary of the PostgreSQL pair and promote its standby',
		done: 'the primary of the failover pair was crashed and its standby promoted; the crashed server comes '
			+ 'back as the new standby in a moment',
	},
};

const page = {
	baseline: new Map(), // connection name -> recoveriesSucceeded at the last poll
	buckets: new Map(), // 5 s bucket number -> Map(connection name -> recoveries)
	colors: new Map(), // connection name -> colour
	events: '', // signature of the events shown
	noticeTimer: 0,
};

// ---- small helpers ----

function el(tag, attributes, ...children) {
	const element = document.createElement(tag);
	for (const [name, value] of Object.entries(attributes || {})) {
		element.setAttribute(name, value);
	}
	for (const child of children) {
		element.append(child);
	}
	return element;
}

function svg(tag, attributes, text) {
	const element = document.createElementNS(SVG, tag);
	for (const [name, value] of Object.entries(attributes)) {
		element.setAttribute(name, value);
	}
	if (text !== undefined) {
		element.textContent = text;
	}
	return element;
}

// Instants arrive as ISO strings, possibly with nanoseconds, or as epoch seconds.
function parseTime(value) {
	if (typeof value === 'number') {
		return value < 1e11 ? value * 1000 : value;
	}
	return Date.parse(String(value).replace(/(\.\d{3})\d+/, '$1'));
}

function clock(millis) {
	const date = new Date(millis);
	const pad = (number, width) => String(number).padStart(width || 2, '0');
	const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
	return `${time}.${pad(date.getMilliseconds(), 3)}`;
}

function ago(millis) {
	const seconds = Math.round((Date.now() - millis) / 1000);
	if (seconds < 1) {
		return 'just now';
	}
	if (seconds < 60) {
		return `${seconds} s ago`;
	}
	if (seconds < 3600) {
		return `${Math.floor(seconds / 60)} min ago`;
	}
	return clock(millis).slice(0, 8);
}

function simpleName(type) {
	return String(type).slice(String(type).lastIndexOf('.') + 1);
}

// "PT5S" -> "5 s", "PT1M30S" -> "1 min 30 s", "PT0.3S" -> "300 ms".
function duration(iso) {
	const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(String(iso));
	if (!match) {
		return String(iso);
	}
	const [, hours, minutes, seconds] = match;
	const parts = [];
	if (hours) {
		parts.push(`${hours} h`);
	}
	if (minutes) {
		parts.push(`${minutes} min`);
	}
	if (seconds) {
		parts.push(Number(seconds) < 1 ? `${Math.round(Number(seconds) * 1000)} ms` : `${Number(seconds)} s`);
	}
	return parts.join(' ') || '0 s';
}

function colorOf(name) {
	if (!page.colors.has(name)) {
		page.colors.set(name, PALETTE[page.colors.size % PALETTE.length]);
	}
	return page.colors.get(name);
}

// ---- talking to the app ----

async function getJson(path) {
	const response = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } });
	if (!response.ok) {
		throw new Error(`${path} answered ${response.status}`);
	}
	return response.json();
}

async function post(path, body) {
	const response = await fetch(path, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const answer = await response.json().catch(() => null);
	if (!response.ok) {
		const reason = answer && answer.message ? answer.message
			: response.status === 405 ? 'writes are not open (management.endpoint.ha.access)'
				: `the app answered ${response.status}`;
		throw new Error(reason);
	}
	return answer;
}

function notice(text, kind) {
	const box = document.getElementById('notice');
	clearTimeout(page.noticeTimer);
	box.className = `notice ${kind}`;
	box.dataset.kind = kind;
	box.replaceChildren(el('span', {}, text), closeButton(box));
	box.hidden = false;
	if (kind === 'info') {
		page.noticeTimer = setTimeout(() => {
			box.hidden = true;
		}, NOTICE_MILLIS);
	}
}

function closeButton(box) {
	const button = el('button', { type: 'button', class: 'close', 'aria-label': 'Close' }, '×');
	button.addEventListener('click', () => {
		box.hidden = true;
	});
	return button;
}

async function change(name, body, button) {
	button.disabled = true;
	try {
		const connection = await post(`actuator/ha/${encodeURIComponent(name)}`, body);
		updateRow(rowOf(name), connection);
		notice(`${body.action} '${name}': done, the connection is ${connection.state}`, 'info');
	}
	catch (error) {
		notice(`${body.action} '${name}' failed: ${error.message}`, 'error');
	}
	finally {
		button.disabled = false;
	}
}

async function crash(server, button) {
	button.disabled = true;
	try {
		await post(`api/chaos/${encodeURIComponent(server)}`);
		const action = CHAOS_ACTIONS[server];
		notice(action ? action.done : `the ${server} server was killed; it restarts by itself in a moment`, 'info');
	}
	catch (error) {
		notice(`crashing ${server} failed: ${error.message}`, 'error');
	}
	finally {
		button.disabled = false;
	}
}

// ---- connections ----

function rowOf(name) {
	return [...document.querySelectorAll('#connections tbody tr')].find((row) => row.dataset.connection === name);
}

function createRow(connection) {
	const row = el('tr', { 'data-connection': connection.name });
	row.append(
		el('td', {}, el('strong', { class: 'name' }), el('span', { class: 'kind' }), el('div', { class: 'type' }),
			el('div', { class: 'server', 'data-testid': 'server', hidden: '' })),
		el('td', {}, el('span', { class: 'badge', 'data-testid': 'state' })),
		el('td', {}, el('span', { class: 'recovery' }), createReplace(connection.name)),
		el('td', { class: 'num', 'data-testid': 'recovered' }),
		el('td', { class: 'num', 'data-testid': 'failed' }),
		el('td', { class: 'num', 'data-testid': 'retransmitted' }),
		el('td', { class: 'when', 'data-testid': 'last-failure' }),
		el('td', { class: 'when', 'data-testid': 'last-recovery' }),
		createActions(connection.name));
	return row;
}

function createReplace(name) {
	const select = el('select', { 'aria-label': `recovery bean for ${name}` });
	const replace = el('button', { type: 'button', 'data-action': 'replace',
		title: `use the chosen RecoveryFunction bean to recover ${name} from now on` }, 'Replace');
	replace.addEventListener('click', () => change(name, { action: 'replace', recovery: select.value }, replace));
	return el('div', { class: 'replace writable' }, select, replace);
}

function createActions(name) {
	const toggle = el('button', { type: 'button', class: 'toggle writable' });
	toggle.addEventListener('click', () => change(name, { action: toggle.dataset.action }, toggle));
	return el('td', { class: 'actions' }, toggle, el('span', { class: 'read-only' }, 'read only'));
}

function updateRow(row, connection) {
	const counters = connection.counters;
	row.dataset.state = connection.state;
	row.dataset.recoveries = counters.recoveriesSucceeded;
	row.dataset.failed = counters.recoveriesFailed;
	row.dataset.retransmissions = counters.retransmissions;
	const cells = row.cells;
	cells[0].querySelector('.name').textContent = connection.name;
	cells[0].querySelector('.kind').textContent = connection.kind;
	cells[0].querySelector('.type').textContent = simpleName(connection.type);
	cells[0].title = connection.type;
	showServer(cells[0].querySelector('.server'), connection.server);
	const badge = cells[1].firstChild;
	badge.textContent = connection.state;
	badge.className = `badge state-${connection.state}`;
	cells[2].querySelector('.recovery').textContent = connection.recovery;
	cells[3].textContent = counters.recoveriesSucceeded;
	cells[4].textContent = counters.recoveriesFailed;
	cells[5].textContent = counters.retransmissions;
	showFailure(cells[6], connection.lastFailure);
	showRecovery(cells[7], connection.lastRecovery);
	const toggle = row.querySelector('button.toggle');
	const detached = connection.state === 'DETACHED';
	toggle.dataset.action = detached ? 'attach' : 'detach';
	toggle.textContent = detached ? 'Attach' : 'Detach';
	toggle.className = detached ? 'toggle writable attach' : 'toggle writable detach';
}

// The server a connection is on, for the connections whose cover tells it (JDBC on
// PostgreSQL): host:port, role, timeline, and the last server its data source refused.
function showServer(box, server) {
	if (!server) {
		box.hidden = true;
		box.replaceChildren();
		return;
	}
	box.dataset.port = server.port;
	box.dataset.role = server.role || '';
	box.dataset.timeline = server.timeline === undefined ? '' : server.timeline;
	const parts = [el('span', { class: 'address' }, `${server.host}:${server.port}`)];
	if (server.role) {
		parts.push(el('span', { class: `role role-${server.role}` }, server.role));
	}
	if (server.timeline !== undefined) {
		parts.push(el('span', { class: 'timeline' }, `timeline ${server.timeline}`));
	}
	if (server.lastRefused) {
		parts.push(el('div', { class: 'refused', title: server.lastRefused }, `refused ${server.lastRefused}`));
	}
	box.replaceChildren(...parts);
	box.hidden = false;
}

function showFailure(cell, failure) {
	if (!failure) {
		cell.replaceChildren('—');
		cell.title = '';
		return;
	}
	const time = parseTime(failure.time);
	cell.replaceChildren(el('span', { class: 'error-type' }, simpleName(failure.type)),
		el('div', { class: 'ago' }, ago(time)));
	cell.title = `${failure.type}${failure.message ? ': ' + failure.message : ''}\nat ${clock(time)}`;
}

function showRecovery(cell, recovery) {
	if (!recovery) {
		cell.replaceChildren('—');
		cell.title = '';
		return;
	}
	const time = parseTime(recovery.time);
	cell.replaceChildren(el('span', {}, `${recovery.durationMillis} ms`), el('div', { class: 'ago' }, ago(time)));
	cell.title = `took ${recovery.durationMillis} ms, ended at ${clock(time)}`;
}

// The recovery beans that fit a connection: those that recover its type, or whose type
// the demo does not know.
function beansFor(connection, demo) {
	const types = demo.recoveryBeanTypes || {};
	return (demo.recoveryBeans || []).filter((bean) => !types[bean] || types[bean] === connection.type);
}

function updateSelect(select, beans, current) {
	if (select.dataset.beans === beans.join(' ')) {
		return;
	}
	const chosen = select.value || current;
	select.dataset.beans = beans.join(' ');
	select.replaceChildren(...beans.map((bean) => el('option', { value: bean }, bean)));
	if (beans.includes(chosen)) {
		select.value = chosen;
	}
}

function renderConnections(connections, demo) {
	const body = document.querySelector('#connections tbody');
	const names = new Set(connections.map((connection) => connection.name));
	for (const row of [...body.rows]) {
		if (!names.has(row.dataset.connection)) {
			row.remove();
		}
	}
	connections.forEach((connection, index) => {
		const row = rowOf(connection.name) || createRow(connection);
		if (body.rows[index] !== row) {
			body.insertBefore(row, body.rows[index] || null);
		}
		updateRow(row, connection);
		const beans = beansFor(connection, demo);
		updateSelect(row.querySelector('select'), beans, connection.recoveryBean);
		row.querySelector('.replace').hidden = beans.length === 0;
	});
	document.getElementById('connections').classList.toggle('can-write', demo.writable === true);
	document.getElementById('no-connections').hidden = connections.length > 0;
}

// ---- chart of recoveries ----

function count(bucket, name, recoveries) {
	if (!page.buckets.has(bucket)) {
		page.buckets.set(bucket, new Map());
	}
	const counts = page.buckets.get(bucket);
	counts.set(name, (counts.get(name) || 0) + recoveries);
}

// The first poll takes the recoveries of the last two minutes from the events; after
// that each poll counts how much recoveriesSucceeded grew, which misses nothing.
function recordRecoveries(connections, events, now) {
	const current = Math.floor(now / BUCKET_MILLIS);
	if (page.baseline.size === 0) {
		for (const event of events) {
			const bucket = Math.floor(parseTime(event.time) / BUCKET_MILLIS);
			if (event.kind === 'RECOVERED' && bucket > current - BUCKETS) {
				count(Math.min(bucket, current), event.connection, 1);
			}
		}
	}
	for (const connection of connections) {
		const total = connection.counters.recoveriesSucceeded;
		const before = page.baseline.get(connection.name);
		page.baseline.set(connection.name, total);
		if (before !== undefined && total > before) {
			count(current, connection.name, total - before);
		}
	}
	for (const bucket of page.buckets.keys()) {
		if (bucket <= current - BUCKETS) {
			page.buckets.delete(bucket);
		}
	}
	return current;
}

function renderChart(names, current) {
	const width = 560;
	const height = 220;
	const left = 34;
	const right = 8;
	const top = 12;
	const bottom = 24;
	const plotWidth = width - left - right;
	const plotHeight = height - top - bottom;
	const slot = plotWidth / BUCKETS;
	let highest = 0;
	let total = 0;
	for (const counts of page.buckets.values()) {
		let stack = 0;
		for (const recoveries of counts.values()) {
			stack += recoveries;
		}
		highest = Math.max(highest, stack);
		total += stack;
	}
	const step = Math.max(1, Math.ceil(highest / 4));
	const yMax = step * 4;
	const y = (value) => top + plotHeight - (value / yMax) * plotHeight;
	names.forEach(colorOf);
	const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img',
		'aria-label': `recoveries per 5 seconds over the last 2 minutes, ${total} in all` });
	for (let tick = 0; tick <= yMax; tick += step) {
		chart.append(svg('line', { x1: left, x2: width - right, y1: y(tick), y2: y(tick), class: 'grid' }),
			svg('text', { x: left - 6, y: y(tick) + 4, class: 'axis', 'text-anchor': 'end' }, String(tick)));
	}
	for (let index = 0; index < BUCKETS; index++) {
		const bucket = current - BUCKETS + 1 + index;
		const x = left + index * slot + slot * 0.15;
		let stack = 0;
		for (const name of names) {
			const recoveries = (page.buckets.get(bucket) || new Map()).get(name) || 0;
			if (recoveries > 0) {
				const bar = svg('rect', { x, y: y(stack + recoveries), width: slot * 0.7,
					height: y(stack) - y(stack + recoveries), fill: colorOf(name), rx: 2 });
				const plural = recoveries === 1 ? 'recovery' : 'recoveries';
				const at = clock(bucket * BUCKET_MILLIS).slice(0, 8);
				bar.append(svg('title', {}, `${name}: ${recoveries} ${plural} at ${at}`));
				chart.append(bar);
				stack += recoveries;
			}
		}
		const secondsAgo = (BUCKETS - 1 - index) * BUCKET_MILLIS / 1000;
		if (secondsAgo % 30 === 0) {
			const label = secondsAgo === 0 ? 'now' : `−${secondsAgo} s`;
			chart.append(svg('text',
				{ x: left + (index + 0.5) * slot, y: height - 6, class: 'axis', 'text-anchor': 'middle' }, label));
		}
	}
	if (total === 0) {
		chart.append(svg('text',
			{ x: left + plotWidth / 2, y: top + plotHeight * 0.37, class: 'placeholder', 'text-anchor': 'middle' },
			'No recoveries in the last 2 minutes'));
	}
	const box = document.getElementById('chart');
	box.dataset.total = total;
	box.replaceChildren(chart);
	renderLegend(names);
}

function renderLegend(names) {
	const legend = document.getElementById('legend');
	legend.replaceChildren(...names.map((name) => {
		let recoveries = 0;
		for (const counts of page.buckets.values()) {
			recoveries += counts.get(name) || 0;
		}
		const swatch = el('span', { class: 'swatch' });
		swatch.style.background = colorOf(name);
		return el('li', { 'data-legend': name, 'data-count': recoveries }, swatch, `${name} `,
			el('span', { class: 'light' }, String(recoveries)));
	}));
}

// ---- workloads, chaos and events ----

function renderWorkloads(workloads) {
	document.getElementById('workloads').replaceChildren(...(workloads || []).map((workload) => {
		const unexpected = workload.unexpectedErrors > 0;
		return el('div', { class: `workload${unexpected ? ' bad' : ''}`, 'data-workload': workload.name,
			'data-calls': workload.calls, 'data-unexpected': workload.unexpectedErrors },
			el('div', { class: 'workload-name' }, workload.name,
				el('span', { class: 'light' },
					workload.connection === workload.name ? '' : ` via ${workload.connection}`)),
			el('div', { class: 'big' }, Number(workload.calls).toLocaleString('en')),
			el('div', { class: 'light' }, 'calls'),
			el('div', { class: 'figures' },
				el('span', { title: 'calls that failed, with an error the workload expects and handles or not' },
					`${workload.errors} errors`),
				el('span', { class: unexpected ? 'unexpected' : '',
					title: 'calls that failed in a way hacover should have prevented' },
				`${workload.unexpectedErrors} unexpected`)));
	}));
}

function renderChaos(demo) {
	const chaos = demo.chaos || { enabled: false, servers: [] };
	let text = `Chaos is on: a server is killed every ${duration(chaos.interval)} and comes back by itself.`;
	if (!chaos.enabled) {
		text = demo.writable ? 'Chaos is off: a server is killed only when you ask.'
			: 'Chaos is off, and this page is read only: run the app in the demo profile to kill servers '
				+ 'and act on the connections.';
	}
	const box = document.getElementById('chaos');
	if (box.dataset.signature === `${text}|${demo.writable}|${chaos.servers}`) {
		return;
	}
	box.dataset.signature = `${text}|${demo.writable}|${chaos.servers}`;
	const buttons = demo.writable ? (chaos.servers || []).map((server) => {
		const action = CHAOS_ACTIONS[server];
		const button = el('button', { type: 'button', class: 'crash', 'data-chaos': server,
			title: action ? action.title : `kill the ${server} server; it restarts by itself` },
		action ? action.label : `Crash ${server}`);
		button.addEventListener('click', () => crash(server, button));
		return button;
	}) : [];
	box.replaceChildren(el('p', {}, text), el('div', { class: 'crash-buttons' }, ...buttons));
}

function renderEvents(events) {
	const signature = events.map((event) => `${event.time}|${event.connection}|${event.kind}`).join('\n');
	if (signature === page.events) {
		return;
	}
	page.events = signature;
	document.getElementById('events').replaceChildren(...events.map((event) =>
		el('li', { 'data-event-connection': event.connection, 'data-event-kind': event.kind },
			el('time', { datetime: event.time }, clock(parseTime(event.time))),
			el('span', { class: 'event-connection' }, event.connection),
			el('span', { class: `event-kind kind-${event.kind}` }, event.kind),
			el('span', { class: 'detail' }, event.detail || ''))));
	document.getElementById('no-events').hidden = events.length > 0;
}

// ---- the loop ----

function setStatus(kind, text) {
	const status = document.getElementById('status');
	status.dataset.status = kind;
	status.textContent = text;
}

function render(ha, demo) {
	const now = Date.now();
	const connections = ha.connections || [];
	const events = demo.events || [];
	const current = recordRecoveries(connections, events, now);
	renderConnections(connections, demo);
	renderChart(connections.map((connection) => connection.name), current);
	renderWorkloads(demo.workloads);
	renderChaos(demo);
	renderEvents(events);
	setStatus('live', `live · updated ${clock(now).slice(0, 8)}`);
}

async function poll() {
	try {
		const [ha, demo] = await Promise.all([getJson('actuator/ha'), getJson('api/demo')]);
		try {
			render(ha, demo);
		}
		catch (error) {
			setStatus('broken', `this page failed to show what the app said: ${error.message}`);
			console.error(error);
		}
	}
	catch (error) {
		setStatus('down', `cannot reach the app (${error.message}); retrying`);
	}
	finally {
		setTimeout(poll, POLL_MILLIS);
	}
}

poll();
