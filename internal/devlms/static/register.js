// The Dynamic Registration host page: it frames the tool's registration
// page and, like Moodle and Canvas, closes the frame when the tool posts
// {subject: 'org.imsglobal.lti.close'}.
const frame = document.getElementById('registration-frame');
window.addEventListener('message', (e) => {
  if (!frame || e.source !== frame.contentWindow) return;
  if ((e.data || {}).subject !== 'org.imsglobal.lti.close') return;
  frame.remove();
  const done = document.getElementById('registration-closed');
  done.hidden = false;
  document.body.dataset.registration = 'closed';
});
