/**
 * "Take a photo": a live camera preview in a dialog; Capture turns the frame into a JPEG that is searched like any
 * chosen photo. Where no camera can be used (none attached, an insecure page, access denied) the button is disabled
 * and a note beside it says why. The camera is on only while the dialog is open.
 */
import { byId } from '../../common/page/dom.js';

const QUALITY = 0.92;
const INSTEAD = 'choose or drop a photo instead.';
const DENIED = `Camera access is blocked for this site — allow it in the browser's site settings, or ${INSTEAD}`;
const NO_CAMERA = `No camera found — ${INSTEAD}`;

/** Why the camera cannot be used here, or null when it can (as far as can be known before asking). */
async function whyNoCamera(): Promise<string | null> {
  // Browsers offer cameras to https pages (and localhost) only; elsewhere navigator.mediaDevices is missing.
  if (!window.isSecureContext) return `The camera needs a secure (https) connection — ${INSTEAD}`;
  const media = navigator.mediaDevices as Partial<MediaDevices> | undefined;
  if (!media?.getUserMedia || !media.enumerateDevices) return `This browser cannot use a camera here — ${INSTEAD}`;
  try {
    if ((await navigator.permissions.query({ name: 'camera' as PermissionName })).state === 'denied') return DENIED;
  } catch {
    // No "camera" permission to query in this browser (Firefox): asking will tell.
  }
  const devices = await media.enumerateDevices();
  return devices.some((d) => d.kind === 'videoinput') ? null : NO_CAMERA;
}

/** What a failed getUserMedia means for the shopper, and whether trying again could help. */
function explain(error: unknown): { text: string; final: boolean } {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return { text: DENIED, final: true };
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return { text: NO_CAMERA, final: true };
  if (name === 'NotReadableError') return { text: `The camera is in use by another app — close it and try again, or ${INSTEAD}`, final: false };
  return { text: `The camera could not start (${error instanceof Error ? error.message : String(error)}) — ${INSTEAD}`, final: false };
}

function stop(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export function setUpCamera(onPhoto: (photo: File) => void): void {
  const openButton = byId('camera-open', HTMLButtonElement);
  const note = byId('camera-note', HTMLParagraphElement);
  const dialog = byId('camera', HTMLDialogElement);
  const video = byId('camera-video', HTMLVideoElement);
  const message = byId('camera-message', HTMLParagraphElement);
  const captureButton = byId('camera-capture', HTMLButtonElement);
  const switchButton = byId('camera-switch', HTMLButtonElement);
  const cancelButton = byId('camera-cancel', HTMLButtonElement);

  let stream: MediaStream | null = null;
  let cameras: string[] = [];
  /** Bumped whenever the dialog opens or closes: a camera that answers after that is turned off again. */
  let session = 0;

  const unavailable = (reason: string | null) => {
    openButton.disabled = reason !== null;
    note.textContent = reason ?? '';
    note.hidden = reason === null;
  };
  /** Turns the camera off at once: the dialog's close event comes a task later, too late for a page being hidden. */
  const turnOff = () => {
    session++;
    stop(stream);
    stream = null;
    video.srcObject = null;
  };
  const close = () => {
    turnOff();
    dialog.close();
  };
  const check = () => void whyNoCamera().then(unavailable, (error: unknown) => unavailable(explain(error).text));
  check();
  // A camera plugged in, or access granted in the site settings, enables the button again (and the reverse).
  navigator.mediaDevices?.addEventListener?.('devicechange', check);
  navigator.permissions
    ?.query({ name: 'camera' as PermissionName })
    .then((permission) => permission.addEventListener('change', check))
    .catch(() => undefined);

  async function start(deviceId?: string): Promise<void> {
    const mine = session;
    captureButton.disabled = true;
    message.textContent = 'Starting the camera…';
    stop(stream);
    stream = null;
    try {
      // The back camera where there is one: shoppers photograph what is in front of them.
      const constraints: MediaTrackConstraints = deviceId
        ? { deviceId: { exact: deviceId } }
        : { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } };
      const started = await navigator.mediaDevices.getUserMedia({ audio: false, video: constraints });
      if (mine !== session) {
        stop(started);
        return;
      }
      stream = started;
      video.srcObject = started;
      await video.play();
      // Device ids are only known once access is granted.
      cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => d.deviceId);
      if (mine !== session) return;
      switchButton.hidden = cameras.length < 2;
      captureButton.disabled = false;
      message.textContent = 'Frame the garment, then press Capture.';
    } catch (error) {
      if (mine !== session) return;
      const { text, final } = explain(error);
      if (final) unavailable(text);
      else {
        note.textContent = text;
        note.hidden = false;
      }
      close();
    }
  }

  async function capture(): Promise<void> {
    const { videoWidth: width, videoHeight: height } = video;
    if (!stream || width === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')?.drawImage(video, 0, 0, width, height);
    close(); // the camera goes off as soon as the frame is taken
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
    if (blob) onPhoto(new File([blob], 'camera-photo.jpg', { type: blob.type }));
  }

  openButton.addEventListener('click', () => {
    session++;
    note.hidden = true;
    switchButton.hidden = true;
    dialog.showModal();
    void start();
  });
  switchButton.addEventListener('click', () => {
    const current = stream?.getVideoTracks()[0]?.getSettings().deviceId;
    const next = cameras[(cameras.indexOf(current ?? '') + 1) % cameras.length];
    if (next) void start(next);
  });
  captureButton.addEventListener('click', () => void capture());
  cancelButton.addEventListener('click', close);
  // Escape closes the dialog without close(): its cancel event comes at once, before the dialog hides and the browser
  // gives the focus back, while its close event comes a task later (the camera was seen still live after Escape).
  dialog.addEventListener('cancel', turnOff);
  // Every way out (Capture, Cancel, Escape) ends here, and turns the camera off in case nothing did before.
  dialog.addEventListener('close', () => {
    turnOff();
    // Back to the button, or to choosing a file when the camera turned out to be unusable.
    (openButton.disabled ? byId('photo', HTMLInputElement) : openButton).focus();
  });
  // Leaving the page (another tab, the app switcher, a navigation) turns the camera off too.
  const leave = () => {
    if (dialog.open) close();
  };
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && leave());
  window.addEventListener('pagehide', leave);
}
