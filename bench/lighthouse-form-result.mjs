// Lighthouse on the page a form answers with (a POST's answer, which no address reaches): opens FORM_URL in
// Debian's Chromium, fills the fields, then measures the navigation that pressing the submit button starts, with
// Lighthouse's user-flow API (the same audits and default settings as the command line). Used by run-lighthouse.sh.
//   node lighthouse-form-result.mjs FORM_URL OUT.json '{"#value": "+1 202-555-0142", "#kind-PHONE": "click"}' [SELECTOR]
// SELECTOR: an element the answer must have (else it fails, rather than score the wrong page).
// Run from the directory Lighthouse is installed in (it imports lighthouse and its puppeteer-core).
import {createRequire} from 'node:module';
import {writeFileSync} from 'node:fs';
import {pathToFileURL} from 'node:url';

const [formUrl, out, fieldsJson, expect] = process.argv.slice(2);
const from = createRequire(pathToFileURL(process.cwd() + '/').href);
const {startFlow} = await import(pathToFileURL(from.resolve('lighthouse')).href);
const puppeteer = (await import(pathToFileURL(from.resolve('puppeteer-core')).href)).default;

const browser = await puppeteer.launch({executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true, args: ['--no-sandbox']});
try {
  const page = await browser.newPage();
  const flow = await startFlow(page, {config: {extends: 'lighthouse:default',
    settings: {onlyCategories: ['accessibility', 'best-practices']}}});
  await page.goto(formUrl, {waitUntil: 'networkidle0'});
  for (const [selector, value] of Object.entries(JSON.parse(fieldsJson || '{}'))) {
    if (value === 'click') {
      await page.click(selector);
    } else {
      await page.$eval(selector, el => { el.value = ''; });
      await page.type(selector, value);
    }
  }
  await flow.startNavigation({name: 'form result'});
  await page.$eval('main form button[type=submit], main form input[type=submit]', b => b.click());
  await flow.endNavigation();
  if (expect && !(await page.$(expect))) {
    throw new Error(`the form's answer at ${page.url()} has no ${expect}`);
  }
  const result = await flow.createFlowResult();
  writeFileSync(out, JSON.stringify(result.steps[0].lhr));
} finally {
  await browser.close();
}
