// The booking flow as a plugin a config file can name: `table-booking`.
import { flowsPlugin } from 'rbmkit/plugins';
import { booking } from './booking-flow.js';

export const tableBooking = flowsPlugin('table-booking', { flows: [booking] });
