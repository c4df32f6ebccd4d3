// Inside an LMS's frame (an LTI launch in Canvas, Moodle, …), tells the
// LMS how tall this page is, so the frame fits its content instead of a
// fixed height with a scroll bar of its own (the lti.frameResize message
// LMSs accept from their tool frames). Outside a frame it does nothing.

if (window.parent !== window) {
  let last = 0;
  const send = () => {
    const height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last || height === 0) return;
    last = height;
    // The height is no secret, and the LMS's origin is not known here.
    window.parent.postMessage({ subject: 'lti.frameResize', height }, '*');
  };
  new ResizeObserver(send).observe(document.body);
  send();
}
