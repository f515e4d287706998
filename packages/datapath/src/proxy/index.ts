// L7 redirect, kernel side: sockets for the proxy, marks, routing and the proxy device.
export * from './marks';
export * from './proxyAttachment';
export * from './proxyConfig';
export * from './proxyDevice';
export * from './routing';
export * from './sockets';
export * from './sweep';
