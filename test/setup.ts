import '../lib/polyfills.js';
