import { FlowsTable } from '../../../components/FlowsTable';

export default function FlowsPage() {
  return <FlowsTable />;
}
