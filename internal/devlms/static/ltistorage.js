// The platform side of the LTI client-side postMessage storage protocol
// and of lti.frameResize (the tool frame asks for its content's height)
// (https://www.imsglobal.org/spec/lti-cs-pm/v0p1 and
// https://www.imsglobal.org/spec/lti-pm-s/v0p1): a tool in this page's
// iframe, told lti_storage_target=_parent, keeps its OIDC state and nonce
// here when its own cookies are blocked.
//
// Values are kept per origin of the sending frame and never shared across
// origins. The listener is registered while the page is still loading, so
// that no early message of the tool is missed.
"use strict";
(function () {
  var storesByOrigin = new Map();
  var knownSubjects = ["lti.capabilities", "lti.put_data", "lti.get_data"];

  function storeFor(origin) {
    if (!storesByOrigin.has(origin)) {
      storesByOrigin.set(origin, new Map());
    }
    return storesByOrigin.get(origin);
  }

  function fromToolFrame(event) {
    var frame = document.getElementById("tool-frame");
    return frame !== null && event.source === frame.contentWindow;
  }

  // resize sets the tool frame's height in CSS pixels, within bounds.
  function resize(height) {
    var h = Number(height);
    if (!isFinite(h) || h <= 0) {
      return;
    }
    document.getElementById("tool-frame").style.height = Math.min(Math.round(h), 20000) + "px";
  }

  function errorReply(msg, code, message) {
    return {
      subject: msg.subject + ".response",
      message_id: msg.message_id,
      error: { code: code, message: message },
    };
  }

  function answer(msg, origin) {
    if (knownSubjects.indexOf(msg.subject) < 0) {
      return errorReply(msg, "unsupported_subject", "This platform does not support " + msg.subject + ".");
    }
    if (typeof msg.message_id !== "string" && typeof msg.message_id !== "number") {
      return errorReply(msg, "bad_request", "message_id is required.");
    }
    if (msg.subject === "lti.capabilities") {
      return {
        subject: "lti.capabilities.response",
        message_id: msg.message_id,
        supported_messages: [
          { subject: "lti.put_data", frame: "_parent" },
          { subject: "lti.get_data", frame: "_parent" },
        ],
      };
    }
    if (typeof msg.key !== "string" || msg.key === "") {
      return errorReply(msg, "bad_request", "key must be a non-empty string.");
    }
    var store = storeFor(origin);
    if (msg.subject === "lti.put_data") {
      if (typeof msg.value !== "string") {
        return errorReply(msg, "bad_request", "value must be a string.");
      }
      store.set(msg.key, msg.value);
      return { subject: "lti.put_data.response", message_id: msg.message_id, key: msg.key, value: msg.value };
    }
    return {
      subject: "lti.get_data.response",
      message_id: msg.message_id,
      key: msg.key,
      value: store.has(msg.key) ? store.get(msg.key) : null,
    };
  }

  window.addEventListener("message", function (event) {
    var msg = event.data;
    if (msg === null || typeof msg !== "object" || typeof msg.subject !== "string") {
      return; // not an LTI message
    }
    if (msg.subject.indexOf("lti.") !== 0 || /\.response$/.test(msg.subject)) {
      return; // someone else's message, or an answer
    }
    if (!fromToolFrame(event) || event.origin === "null") {
      return; // only the tool's frame, and only an origin that can be answered
    }
    if (msg.subject === "lti.frameResize") {
      resize(msg.height); // as Canvas does: the frame takes the tool's height, no answer
      return;
    }
    event.source.postMessage(answer(msg, event.origin), event.origin);
  });
})();
