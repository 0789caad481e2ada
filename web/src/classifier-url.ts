// Where the build puts the shipped model, relative to the page (web/build.ts copies models/default there).
export const MODEL_URL = 'models/default/model.json';
