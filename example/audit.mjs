/** EventBridge rule target: the trace travels in `detail._baton`. */
export const handler = async (event) => ({ audited: event['detail-type'] });
