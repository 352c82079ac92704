/** The Electron entry point (electron-vite builds it to out/main/index.js). */
import './node/sdk-warning';
import { startApp } from './electron-main/app';

startApp();
