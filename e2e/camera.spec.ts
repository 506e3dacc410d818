/**
 * "Take a photo": with Chromium's fake camera (a generated test pattern) a captured frame is searched like a chosen
 * photo and the camera goes off; with no camera, no camera API or access denied, the button is disabled and says why.
 */
import { expect, test, type Page } from '@playwright/test';
import { CHROMIUM } from '../src/common/node/chromium.js';
import { cards, openVitrine, saveScreenshot, searched } from './vitrine.js';

const FAKE_CAMERA = '--use-fake-device-for-media-stream';
/** Answers the browser's "allow the camera?" prompt with yes. */
const ALLOW_CAMERA = '--use-fake-ui-for-media-stream';

const takePhoto = (page: Page) => page.getByRole('button', { name: 'Take a photo' });
const cameraDialog = (page: Page) => page.getByRole('dialog', { name: 'Take a photo' });
const cameraNote = (page: Page) => page.locator('#camera-note');

/** Keeps every stream the page opens, to check afterwards that each was stopped. */
async function recordStreams(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const media = navigator.mediaDevices;
    const open = media.getUserMedia.bind(media);
    const streams: MediaStream[] = [];
    (window as { __streams?: MediaStream[] }).__streams = streams;
    media.getUserMedia = async (constraints) => {
      const stream = await open(constraints);
      streams.push(stream);
      return stream;
    };
  });
}

const trackStates = (page: Page) =>
  page.evaluate(() => ((window as { __streams?: MediaStream[] }).__streams ?? []).flatMap((s) => s.getTracks().map((t) => t.readyState)));

async function openCamera(page: Page): Promise<void> {
  await takePhoto(page).click();
  await expect(cameraDialog(page)).toBeVisible();
  await expect(page.locator('#camera-message')).toHaveText('Frame the garment, then press Capture.');
  await expect.poll(() => page.locator('#camera-video').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBeGreaterThan(0);
  expect(await trackStates(page)).toEqual(['live']);
}

test.use({ launchOptions: { ...CHROMIUM, args: [...CHROMIUM.args, FAKE_CAMERA, ALLOW_CAMERA] } });

test('a captured frame is searched like a chosen photo, and the camera goes off', async ({ page }, testInfo) => {
  await recordStreams(page);
  await openVitrine(page);
  await expect(takePhoto(page)).toBeEnabled();
  await expect(cameraNote(page)).toBeHidden();
  await openCamera(page);
  // Chromium has one fake camera: nothing to switch to.
  await expect(cameraDialog(page).getByRole('button', { name: 'Switch camera' })).toBeHidden();
  const frame = await page.locator('#camera-video').evaluate((video: HTMLVideoElement) => [video.videoWidth, video.videoHeight]);
  await saveScreenshot(page, testInfo, 'camera');

  await searched(page, () => cameraDialog(page).getByRole('button', { name: 'Capture' }).click());
  await expect(cameraDialog(page)).toBeHidden();
  expect(await trackStates(page)).toEqual(['ended']);
  // The frame is the photo: shown as the preview, at the camera's size, and searched.
  const preview = page.getByRole('img', { name: 'Your photo: camera-photo.jpg' });
  await expect(preview).toBeVisible();
  expect(await preview.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual(frame);
  await expect(page.locator('#status')).not.toHaveAttribute('data-status', /^(ready|searching|error)$/);
  await expect(cards(page)).toHaveCount(8);
  // …and can be cropped like any photo.
  await expect(page.getByRole('button', { name: 'Crop' })).toBeVisible();
});

test('Cancel and Escape turn the camera off and search nothing', async ({ page }) => {
  await recordStreams(page);
  await openVitrine(page);
  const before = await page.locator('#status').textContent();
  await openCamera(page);
  await cameraDialog(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(cameraDialog(page)).toBeHidden();
  await expect(takePhoto(page)).toBeFocused();
  expect(await trackStates(page)).toEqual(['ended']);

  await page.evaluate(() => ((window as { __streams?: MediaStream[] }).__streams!.length = 0));
  await openCamera(page);
  await page.keyboard.press('Escape');
  await expect(cameraDialog(page)).toBeHidden();
  // Escape's cancel event turns the camera off before the dialog hides and the browser returns the focus.
  await expect(takePhoto(page)).toBeFocused();
  expect(await trackStates(page)).toEqual(['ended']);
  await expect(page.locator('#status')).toHaveText(before!);
  await expect(cards(page)).toHaveCount(0);
});

test('the camera goes off when the page is hidden', async ({ page }) => {
  await recordStreams(page);
  await openVitrine(page);
  await openCamera(page);
  // The stream may still be starting when the dialog shows; hide the page once it is live.
  await expect.poll(() => trackStates(page)).toEqual(['live']);
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
  await expect(cameraDialog(page)).toBeHidden();
  expect(await trackStates(page)).toEqual(['ended']);
});

test('camera access blocked for the site: the button is disabled and says why, until access is allowed', async ({ page, context, baseURL }) => {
  // The browser's own site setting, as a shopper who once said no has it (set in this test's browser context).
  const { targetInfo } = await (await context.newCDPSession(page)).send('Target.getTargetInfo');
  const browser = await context.browser()!.newBrowserCDPSession();
  const setCamera = (setting: 'denied' | 'granted') =>
    browser.send('Browser.setPermission', { permission: { name: 'camera' }, setting, origin: new URL(baseURL!).origin, browserContextId: targetInfo.browserContextId });
  await setCamera('denied');
  await page.goto('/');
  await expect(cameraNote(page)).toHaveText("Camera access is blocked for this site — allow it in the browser's site settings, or choose or drop a photo instead.");
  await expect(takePhoto(page)).toBeDisabled();
  await expect(takePhoto(page)).toHaveAccessibleDescription(/Camera access is blocked/);

  await setCamera('granted');
  await expect(takePhoto(page)).toBeEnabled();
  await expect(cameraNote(page)).toBeHidden();
});

test('a camera refused when asked: the dialog closes, the reason shows, and the photo input takes the focus', async ({ page }) => {
  // The browser's answer when the shopper says no to its prompt.
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  await page.goto('/');
  await takePhoto(page).click();
  await expect(cameraNote(page)).toHaveText("Camera access is blocked for this site — allow it in the browser's site settings, or choose or drop a photo instead.");
  await expect(cameraDialog(page)).toBeHidden();
  await expect(takePhoto(page)).toBeDisabled();
  await expect(page.getByLabel('Drop a photo here')).toBeFocused();
});
