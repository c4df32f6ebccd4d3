// The toolbar popup: says whether the extension reports, and to whom.
'use strict';

chrome.runtime.sendMessage({ type: 'status' }).then((s) => {
  document.getElementById('status').textContent = s && s.paired
    ? `Reporting to ${s.server} for ${s.student}, “${s.exam}”.`
    : 'Not connected. Open your proctoring window and press “Connect the extension”.';
});
