// serverless.yml resolver: the drillbook config (custom.drillbook.configFile) as one JSON string,
// handed to the functions as DRILLBOOK_CONFIG_JSON. Invalid JSON fails `serverless package`.
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

module.exports = async ({ resolveVariable }) => {
  const file = await resolveVariable('self:custom.drillbook.configFile');
  const text = readFileSync(resolve(__dirname, '..', file), 'utf8');
  return JSON.stringify(JSON.parse(text));
};
