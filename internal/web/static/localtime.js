// Shows every <time data-local> in the viewer's own time zone, and names
// that zone wherever the page has a [data-zone-note]. Without script the
// server's text stands: the time in UTC, with "UTC" written beside it.

const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

// zoneName is the short name of the zone at a moment ("CET", "GMT+1").
function zoneName(d) {
  const part = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
    .formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part ? part.value : zone;
}

const fmt = new Intl.DateTimeFormat(undefined, {
  day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
});

export function localise(root = document) {
  for (const el of root.querySelectorAll('time[data-local]')) {
    const d = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(d.getTime())) continue;
    el.textContent = fmt.format(d) + ' ' + zoneName(d);
    el.title = d.toISOString().replace('.000Z', 'Z') + ' (UTC)';
  }
  for (const el of root.querySelectorAll('[data-zone-note]')) {
    el.textContent = 'Times are in your time zone, ' + zone + ' (' + zoneName(new Date()) + ').';
  }
}

localise();
