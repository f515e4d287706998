import { ServiceMapView } from '../../../components/ServiceMapView';

export default function MapPage() {
  return <ServiceMapView />;
}
