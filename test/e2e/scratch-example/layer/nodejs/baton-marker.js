module.exports = { marker: 'baton-layer' };
