// Drives the web chat at / in headless Chromium (Debian's, through playwright-core) as a person
// would: reads the model line, sends two messages with temperature 0, stops a long answer, and
// takes a screenshot. Prints what the page showed as one JSON object for WebChatTest to check.
// Usage: node webchat.mjs BASE_URL SCREENSHOT.png
//        node webchat.mjs BASE_URL --outgrow   (a conversation longer than the context: prints the notes shown)
import { chromium } from 'playwright-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, screenshot] = process.argv.slice(2);
const profile = await mkdtemp(join(tmpdir(), 'moe4j-chromium-'));
// playwright adds --headless and --user-data-dir (the fresh profile above) itself
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1000, height: 720 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const out = {};
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(base);
  await page.waitForSelector('#model[data-state="ready"]');
  out.model = await page.textContent('#model');
  if (screenshot === '--outgrow') {
    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', '20');
    const states = [];
    for (let i = 1; i <= 5; i++) {
      await page.fill('#input', `Message number ${i}, a little longer than it needs to be.`);
      await page.press('#input', 'Enter');
      await page.waitForSelector(`.message.assistant:nth-of-type(${2 * i}):not([data-state="streaming"])`);
      states.push(await page.locator('.message.assistant').nth(i - 1).getAttribute('data-state'));
    }
    out.states = states;
    out.notes = await page.$$eval('.message .note', (ns) => ns.map((n) => n.textContent));
    console.log(JSON.stringify(out));
    process.exit(0);
  }
  await page.fill('#temperature', '0');
  await page.fill('#max-tokens', '24');

  const answers = [];
  for (const text of ['Tell me about whales.', 'And dolphins?']) {
    await page.fill('#input', text);
    await page.press('#input', 'Enter');
    const n = answers.length + 1;
    await page.waitForSelector(`.message.assistant:nth-of-type(${2 * n})[data-state="done"]`);
    const message = page.locator('.message.assistant').nth(n - 1);
    answers.push({
      content: await message.locator('.content').textContent(),
      reasoning: (await message.locator('details.reasoning .text').count()) ? await message.locator('details.reasoning .text').textContent() : null,
    });
  }
  out.answers = answers;
  out.stats = await page.textContent('#stats');

  // a long answer, stopped by the button once text has arrived
  await page.fill('#max-tokens', '2000');
  await page.fill('#input', 'Go on, at length.');
  await page.press('#input', 'Enter');
  const long = page.locator('.message.assistant').nth(2);
  await page.waitForFunction(() => {
    const m = document.querySelectorAll('.message.assistant')[2];
    return m && m.querySelector('.content').textContent.length > 0;
  });
  out.stopEnabled = await page.isEnabled('#stop');
  await page.click('#stop');
  await page.waitForSelector('.message.assistant:nth-of-type(6)[data-state="stopped"]');
  out.stoppedStats = await page.textContent('#stats');
  out.stoppedLength = (await long.locator('.content').textContent()).length;
  out.sendEnabledAfterStop = await page.isEnabled('#send');
  await page.screenshot({ path: screenshot });
} finally {
  await browser.close();
  await rm(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
