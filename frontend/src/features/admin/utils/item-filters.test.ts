import { filtersFromParams, paramsFromFilters } from './item-filters';

describe('item filters in the URL', () => {
  it('reads every filter and writes it back the same', () => {
    const query =
      'status=complete&round=1&language=pt-BR&gold=true&has_disagreement=false&judgments_min=2&judgments_max=3&model=good-model&search=q-1';
    const filters = filtersFromParams(new URLSearchParams(query));
    expect(filters).toEqual({
      status: 'complete',
      round: 1,
      language: 'pt-BR',
      gold: true,
      has_disagreement: false,
      judgments_min: 2,
      judgments_max: 3,
      model: 'good-model',
      search: 'q-1',
    });
    expect(filtersFromParams(paramsFromFilters(filters))).toEqual(filters);
  });

  it('leaves out values the server would refuse', () => {
    const filters = filtersFromParams(new URLSearchParams('status=done&round=-1&gold=maybe&judgments_min=1e3&model=%20'));
    expect(filters).toEqual({});
  });

  it('reads the disagreement sort and leaves out an unknown one', () => {
    expect(filtersFromParams(new URLSearchParams('sort=disagreement_desc&gold=false'))).toEqual({
      gold: false,
      sort: 'disagreement_desc',
    });
    expect(filtersFromParams(new URLSearchParams('sort=disagreement_asc')).sort).toBe('disagreement_asc');
    expect(filtersFromParams(new URLSearchParams('sort=id'))).toEqual({});
    expect(filtersFromParams(new URLSearchParams('sort=toString'))).toEqual({});
  });

  it('keeps extra parameters such as the tab', () => {
    expect(paramsFromFilters({ gold: true }, { tab: 'items' }).toString()).toBe('tab=items&gold=true');
  });
});
