import { PoliciesView } from '../../../components/PoliciesView';

export default function PoliciesPage() {
  return <PoliciesView />;
}
